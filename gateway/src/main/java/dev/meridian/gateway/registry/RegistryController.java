package dev.meridian.gateway.registry;

import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.gateway.project.Scope;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/v1/orgs/{org}/projects/{project}/domains/{domain}")
class RegistryController {

  private final Registry registry;

  RegistryController(Registry registry) {
    this.registry = registry;
  }

  @PostMapping("/tasks")
  ResponseEntity<?> registerTask(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestBody JsonNode body) {
    return RestErrors.respond(registry.registerTask(new Scope(org, project, domain), body), task -> task);
  }

  @GetMapping("/tasks/{name}/versions/{version}")
  ResponseEntity<?> getTask(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String name, @PathVariable String version) {
    return RestErrors.respond(registry.get(new Scope(org, project, domain), RegistryStore.Kind.task, name, version), task -> task);
  }

  @GetMapping("/tasks")
  ResponseEntity<?> listTasks(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestParam(required = false) String name, @RequestParam(defaultValue = "50") int limit) {
    return RestErrors.respond(registry.list(new Scope(org, project, domain), RegistryStore.Kind.task, name, Math.clamp(limit, 1, 500)),
        items -> Map.of("items", items));
  }

  @PostMapping("/workflows")
  ResponseEntity<?> registerWorkflow(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestBody JsonNode body) {
    return RestErrors.respond(registry.registerWorkflow(new Scope(org, project, domain), body), workflow -> workflow);
  }

  @GetMapping("/workflows/{name}/versions/{version}")
  ResponseEntity<?> getWorkflow(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String name, @PathVariable String version) {
    return RestErrors.respond(registry.get(new Scope(org, project, domain), RegistryStore.Kind.workflow, name, version), w -> w);
  }

  @GetMapping("/workflows")
  ResponseEntity<?> listWorkflows(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestParam(required = false) String name, @RequestParam(defaultValue = "50") int limit) {
    return RestErrors.respond(registry.list(new Scope(org, project, domain), RegistryStore.Kind.workflow, name, Math.clamp(limit, 1, 500)),
        items -> Map.of("items", items));
  }

  @PostMapping("/launch-plans")
  ResponseEntity<?> registerLaunchPlan(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestBody JsonNode body) {
    return RestErrors.respond(registry.registerLaunchPlan(new Scope(org, project, domain), body), plan -> plan);
  }

  @GetMapping("/launch-plans/{name}/versions/{version}")
  ResponseEntity<?> getLaunchPlan(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String name, @PathVariable String version) {
    return RestErrors.respond(registry.get(new Scope(org, project, domain), RegistryStore.Kind.launch_plan, name, version), p -> p);
  }

  @PutMapping("/launch-plans/{name}/versions/{version}/state")
  ResponseEntity<?> setLaunchPlanState(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String name, @PathVariable String version, @RequestBody JsonNode body) {
    if (body == null || !body.has("active") || !body.get("active").isBoolean()) {
      return RestErrors.problem(new dev.meridian.gateway.api.Refusal.Invalid("the state is invalid",
          java.util.List.of(new dev.meridian.workflow.Violation("/active", "active must be true or false"))));
    }
    return RestErrors.respond(registry.setLaunchPlanActive(new Scope(org, project, domain), name, version, body.get("active").asBoolean()),
        active -> Map.of("active", active));
  }
}
