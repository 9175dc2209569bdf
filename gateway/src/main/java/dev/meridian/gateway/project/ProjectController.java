package dev.meridian.gateway.project;

import dev.meridian.gateway.infra.RestErrors;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
class ProjectController {

  private final Projects projects;

  ProjectController(Projects projects) {
    this.projects = projects;
  }

  @PostMapping("/api/v1/orgs")
  ResponseEntity<?> createOrg(@RequestBody JsonNode body) {
    return RestErrors.respond(projects.createOrg(body), ProjectViews::org);
  }

  @GetMapping("/api/v1/orgs/{org}")
  ResponseEntity<?> getOrg(@PathVariable String org) {
    return RestErrors.respond(projects.getOrg(org), ProjectViews::org);
  }

  @PostMapping("/api/v1/orgs/{org}/projects")
  ResponseEntity<?> createProject(@PathVariable String org, @RequestBody JsonNode body) {
    return RestErrors.respond(projects.createProject(org, body), ProjectViews::project);
  }

  @GetMapping("/api/v1/orgs/{org}/projects")
  ResponseEntity<?> listProjects(@PathVariable String org) {
    return RestErrors.respond(projects.listProjects(org), ProjectViews::projects);
  }
}
