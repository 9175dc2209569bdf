package dev.meridian.gateway.registry;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.gateway.project.Scope;
import dev.meridian.workflow.Violation;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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

/** {@code {scope}/tasks}, {@code {scope}/workflows} and {@code {scope}/launch-plans}: one shape for the three kinds. */
@RestController
@RequestMapping("/api/v1/orgs/{org}/projects/{project}/domains/{domain}")
class RegistryController {

  private final Registry registry;

  RegistryController(Registry registry) {
    this.registry = registry;
  }

  @PostMapping("/{kind:tasks|workflows|launch-plans}")
  ResponseEntity<?> register(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String kind, @RequestBody JsonNode body) {
    return withKind(kind, k -> RestErrors.respond(registry.register(new Scope(org, project, domain), k, body), entity -> entity));
  }

  @GetMapping("/{kind:tasks|workflows|launch-plans}/{name}/versions/{version}")
  ResponseEntity<?> get(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String kind, @PathVariable String name, @PathVariable String version) {
    return withKind(kind, k -> RestErrors.respond(registry.get(new Scope(org, project, domain), k, name, version), entity -> entity));
  }

  @GetMapping("/{kind:tasks|workflows|launch-plans}")
  ResponseEntity<?> list(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String kind, @RequestParam(required = false) String name, @RequestParam(defaultValue = "50") int limit) {
    return withKind(kind, k -> RestErrors.respond(registry.list(new Scope(org, project, domain), k, name, Math.clamp(limit, 1, 500)),
        items -> Map.of("items", items)));
  }

  @PutMapping("/launch-plans/{name}/versions/{version}/state")
  ResponseEntity<?> setLaunchPlanState(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String name, @PathVariable String version, @RequestBody JsonNode body) {
    if (body == null || !body.has("active") || !body.get("active").isBoolean()) {
      return RestErrors.problem(new Refusal.Invalid("the state is invalid", List.of(new Violation("/active", "active must be true or false"))));
    }
    return RestErrors.respond(registry.setLaunchPlanActive(new Scope(org, project, domain), name, version, body.get("active").asBoolean()),
        active -> Map.of("active", active));
  }

  private static ResponseEntity<?> withKind(String path, Function<RegistryStore.Kind, ResponseEntity<?>> call) {
    return call.apply(RegistryStore.Kind.ofPath(path).orElseThrow());
  }
}
