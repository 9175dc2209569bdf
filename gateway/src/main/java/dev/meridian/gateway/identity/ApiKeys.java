package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.proto.tenant.v1.ApiKey;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc.ApiKeysBlockingStub;
import dev.meridian.proto.tenant.v1.CreateApiKeyRequest;
import dev.meridian.proto.tenant.v1.CreatedApiKey;
import dev.meridian.proto.tenant.v1.ListApiKeysRequest;
import dev.meridian.proto.tenant.v1.RevokeApiKeyRequest;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/** API keys of an org, kept by tenant-service: created with a secret shown once, listed without it, revoked. */
@Service
class ApiKeys {

  private final ApiKeysBlockingStub keys;
  private final Projects projects;

  ApiKeys(ApiKeysBlockingStub keys, Projects projects) {
    this.keys = keys;
    this.projects = projects;
  }

  private ApiKeysBlockingStub keys() {
    return keys.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  Outcome<CreatedApiKey> create(String org, JsonNode body) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Fields key = new Fields(body, "", violations);
    key.onlyKnown(Set.of("name", "role"));
    String name = key.name("name");
    // Which roles exist is tenant-service's to say; it answers with the problem at /role.
    String role = key.string("role", true);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the API key is invalid", violations));
    }
    Outcome<CreatedApiKey> created = Downstream.call("tenant-service", () -> keys().createApiKey(
        CreateApiKeyRequest.newBuilder().setOrg(org).setName(name).setRole(role).build()));
    return created instanceof Outcome.Done<CreatedApiKey> done ? Outcome.created(done.value()) : created;
  }

  Outcome<List<ApiKey>> list(String org) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("tenant-service", () -> keys().listApiKeys(ListApiKeysRequest.newBuilder().setOrg(org).build()).getItemsList());
  }

  Outcome<ApiKey> revoke(String org, String id) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("tenant-service", () -> keys().revokeApiKey(RevokeApiKeyRequest.newBuilder().setOrg(org).setId(id).build()));
  }
}
