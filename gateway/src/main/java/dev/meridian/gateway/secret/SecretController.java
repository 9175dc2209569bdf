package dev.meridian.gateway.secret;

import com.google.protobuf.util.Timestamps;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.secrets.v1.AuditEntry;
import dev.meridian.proto.secrets.v1.SecretInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** API.md §Secrets. Values go in and never come out: no response carries one. */
@RestController
@RequestMapping("/api/v1/orgs/{org}/secrets")
class SecretController {

  private final GatewaySecrets secrets;

  SecretController(GatewaySecrets secrets) {
    this.secrets = secrets;
  }

  @PutMapping("/{name}")
  ResponseEntity<?> write(@PathVariable String org, @PathVariable String name, @RequestBody JsonNode body) {
    return noContentOr(secrets.write(org, name, body));
  }

  @GetMapping
  ResponseEntity<?> list(@PathVariable String org) {
    return RestErrors.respond(secrets.list(org), items -> Map.of("items", items.stream().map(SecretController::view).toList()));
  }

  @DeleteMapping("/{name}")
  ResponseEntity<?> delete(@PathVariable String org, @PathVariable String name, @RequestParam(required = false) String project,
      @RequestParam(required = false) String domain) {
    return noContentOr(secrets.delete(org, name, project, domain));
  }

  @GetMapping("/audit")
  ResponseEntity<?> audit(@PathVariable String org, @RequestParam(defaultValue = "100") int limit) {
    return RestErrors.respond(secrets.audit(org, limit), items -> Map.of("items", items.stream().map(SecretController::view).toList()));
  }

  private static ResponseEntity<?> noContentOr(Outcome<?> outcome) {
    return outcome instanceof Outcome.Refused<?> refused ? RestErrors.problem(refused.refusal()) : ResponseEntity.noContent().build();
  }

  static Map<String, Object> view(SecretInfo info) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("name", info.getSecret().getName());
    view.put("project", info.getSecret().getProject().isEmpty() ? null : info.getSecret().getProject());
    view.put("domain", info.getSecret().getDomain().isEmpty() ? null : info.getSecret().getDomain());
    view.put("currentVersion", info.getCurrentVersion());
    view.put("versions", info.getLiveVersionsList());
    view.put("createdAt", Timestamps.toString(info.getCreatedAt()));
    view.put("updatedAt", Timestamps.toString(info.getUpdatedAt()));
    view.put("updatedBy", info.getUpdatedBy().isEmpty() ? null : info.getUpdatedBy());
    return view;
  }

  static Map<String, Object> view(AuditEntry entry) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("at", Timestamps.toString(entry.getAt()));
    view.put("actor", entry.getActor());
    view.put("action", entry.getAction());
    view.put("secret", entry.getSecret().isEmpty() ? null : entry.getSecret());
    view.put("attempt", entry.getAttempt().isEmpty() ? null : entry.getAttempt());
    view.put("outcome", entry.getOutcome());
    view.put("detail", entry.getDetail().isEmpty() ? null : entry.getDetail());
    return view;
  }
}
