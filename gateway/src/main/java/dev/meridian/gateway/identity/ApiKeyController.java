package dev.meridian.gateway.identity;

import com.google.protobuf.util.Timestamps;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.tenant.v1.ApiKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/v1/orgs/{org}/api-keys")
class ApiKeyController {

  private final ApiKeys keys;

  ApiKeyController(ApiKeys keys) {
    this.keys = keys;
  }

  /** 201 {@code {id, clientId, clientSecret, ...}}: the only time the secret is shown. */
  @PostMapping
  ResponseEntity<?> create(@PathVariable String org, @RequestBody JsonNode body) {
    return RestErrors.respond(keys.create(org, body), created -> {
      Map<String, Object> view = view(created.getKey());
      view.put("clientSecret", created.getClientSecret());
      return view;
    });
  }

  @GetMapping
  ResponseEntity<?> list(@PathVariable String org) {
    return RestErrors.respond(keys.list(org), items -> Map.of("items", items.stream().map(ApiKeyController::view).toList()));
  }

  @DeleteMapping("/{id}")
  ResponseEntity<?> revoke(@PathVariable String org, @PathVariable String id) {
    return RestErrors.respond(keys.revoke(org, id), ApiKeyController::view);
  }

  private static Map<String, Object> view(ApiKey key) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", key.getId());
    view.put("name", key.getName());
    view.put("role", key.getRole());
    view.put("clientId", key.getClientId());
    view.put("createdAt", Timestamps.toString(key.getCreatedAt()));
    view.put("createdBy", key.getCreatedBy());
    view.put("revokedAt", key.hasRevokedAt() ? Timestamps.toString(key.getRevokedAt()) : null);
    return view;
  }
}
