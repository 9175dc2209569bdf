package dev.meridian.gateway.project;

import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.tenant.v1.Org;
import dev.meridian.proto.tenant.v1.Project;
import dev.meridian.workflow.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    List<Violation> violations = new ArrayList<>();
    Fields org = new Fields(body, "", violations);
    org.onlyKnown(Set.of("slug", "name", "ownerEmail"));
    String slug = org.string("slug", true);
    String name = org.string("name", true);
    String ownerEmail = org.string("ownerEmail", true);
    if (!violations.isEmpty()) {
      return RestErrors.problem(new Refusal.Invalid("the org is invalid", violations));
    }
    return RestErrors.respond(projects.createOrg(slug, name, ownerEmail), ProjectController::org);
  }

  @GetMapping("/api/v1/orgs/{org}")
  ResponseEntity<?> getOrg(@PathVariable String org) {
    return RestErrors.respond(projects.getOrg(org), ProjectController::org);
  }

  @PostMapping("/api/v1/orgs/{org}/projects")
  ResponseEntity<?> createProject(@PathVariable String org, @RequestBody JsonNode body) {
    List<Violation> violations = new ArrayList<>();
    Fields project = new Fields(body, "", violations);
    project.onlyKnown(Set.of("id", "name", "description"));
    String id = project.string("id", true);
    String name = project.string("name", false);
    String description = project.string("description", false);
    if (!violations.isEmpty()) {
      return RestErrors.problem(new Refusal.Invalid("the project is invalid", violations));
    }
    Outcome<Org> exists = projects.getOrg(org);
    if (exists instanceof Outcome.Refused<Org> refused) {
      return RestErrors.problem(refused.refusal());
    }
    return RestErrors.respond(projects.createProject(org, id, name == null ? "" : name, description == null ? "" : description),
        ProjectController::project);
  }

  @GetMapping("/api/v1/orgs/{org}/projects")
  ResponseEntity<?> listProjects(@PathVariable String org) {
    return RestErrors.respond(projects.listProjects(org),
        items -> Map.of("items", items.stream().map(ProjectController::project).toList()));
  }

  private static Map<String, Object> org(Org org) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("slug", org.getSlug());
    json.put("name", org.getName());
    json.put("ownerEmail", org.getOwnerEmail());
    json.put("createdAt", Instant.ofEpochSecond(org.getCreatedAt().getSeconds(), org.getCreatedAt().getNanos()).toString());
    return json;
  }

  private static Map<String, Object> project(Project project) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", project.getId());
    json.put("name", project.getName());
    json.put("description", project.getDescription());
    json.put("domains", project.getDomainsList());
    json.put("createdAt", Instant.ofEpochSecond(project.getCreatedAt().getSeconds(), project.getCreatedAt().getNanos()).toString());
    return json;
  }
}
