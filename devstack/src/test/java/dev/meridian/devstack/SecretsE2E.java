package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** API.md §Secrets through the public API: write-only values, roles, another org, located refusals. */
@ExtendWith(LocalStackExtension.class)
class SecretsE2E {

  private static final String VALUE = "hf_s3cr3t-that-must-never-come-back-out";

  private static String secrets(LocalStackExtension.Tenant tenant) {
    return "/api/v1/orgs/" + tenant.org() + "/secrets";
  }

  private static MeridianClient as(LocalStackExtension.Tenant tenant, String role) {
    return tenant.api().as(LocalStack.apiKey(tenant.api(), tenant.org(), role));
  }

  private static JsonNode errorAt(MeridianClient.Response response, String pointer) {
    assertThat(response.status()).as(response.body().toString()).isEqualTo(422);
    for (JsonNode error : response.body().get("errors")) {
      if (error.get("pointer").asString().equals(pointer)) {
        return error;
      }
    }
    throw new AssertionError("no error at " + pointer + " in " + response.body());
  }

  @Test
  void anAdminWritesSecretsThatAreListedByNameScopeAndVersionAndNeverShown(LocalStackExtension.Tenant tenant) {
    MeridianClient admin = as(tenant, "admin");

    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE + "-2")).status()).isEqualTo(204);
    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE, "project", "proj", "domain", "production")).status())
        .isEqualTo(204);
    var listed = tenant.api().get(secrets(tenant));
    var audit = tenant.api().get(secrets(tenant) + "/audit");

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body().get("items")).extracting(item -> item.get("name").asString() + " " + item.get("project").asString("-") + " "
        + item.get("domain").asString("-") + " v" + item.get("currentVersion").asInt() + " " + item.get("versions"))
        .containsExactly("hub-token - - v2 [1,2]", "hub-token proj production v1 [1]");
    assertThat(listed.body().get("items").get(0).get("updatedBy").asString()).startsWith("api-key:");
    assertThat(audit.body().get("items")).extracting(item -> item.get("action").asString() + " " + item.get("outcome").asString())
        .containsExactly("write stored", "write stored", "write stored");
    assertThat(listed.raw().body() + audit.raw().body()).doesNotContain(VALUE);

    assertThat(admin.delete(secrets(tenant) + "/hub-token").status()).isEqualTo(204);
    assertThat(admin.delete(secrets(tenant) + "/hub-token").status()).isEqualTo(404);
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).extracting(item -> item.get("project").asString())
        .containsExactly("proj");
  }

  @Test
  void membersListOnlyAdminsWriteAndReadTheAuditTrailAndViewersSeeNothing(LocalStackExtension.Tenant tenant) {
    MeridianClient member = as(tenant, "member");
    MeridianClient viewer = as(tenant, "viewer");

    assertThat(member.put(secrets(tenant) + "/db", Map.of("value", VALUE)).status()).isEqualTo(403);
    assertThat(member.delete(secrets(tenant) + "/db").status()).isEqualTo(403);
    assertThat(member.get(secrets(tenant)).status()).isEqualTo(200);
    assertThat(member.get(secrets(tenant) + "/audit").status()).isEqualTo(403);
    assertThat(viewer.get(secrets(tenant)).status()).isEqualTo(403);
  }

  @Test
  void anotherOrgCanNeitherSeeNorTouchAnOrgsSecrets(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/db", Map.of("value", VALUE)).status()).isEqualTo(204);
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();

    assertThat(other.api().get(secrets(tenant)).status()).isEqualTo(404);
    assertThat(other.api().get(secrets(tenant) + "/audit").status()).isEqualTo(404);
    assertThat(other.api().put(secrets(tenant) + "/db", Map.of("value", "overwritten")).status()).isEqualTo(404);
    assertThat(other.api().delete(secrets(tenant) + "/db").status()).isEqualTo(404);
    assertThat(other.api().get(secrets(other)).body().get("items")).isEmpty();
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).singleElement()
        .satisfies(item -> assertThat(item.get("currentVersion").asInt()).isEqualTo(1));
  }

  @Test
  void badNamesScopesAndValuesAreRefusedWhereTheyAre(LocalStackExtension.Tenant tenant) {
    assertThat(errorAt(tenant.api().put(secrets(tenant) + "/9lives", Map.of("value", "x")), "/name").get("message").asString())
        .contains("starts with a letter");
    assertThat(errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "")), "/value").get("message").asString())
        .contains("non-empty");
    assertThat(errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x".repeat(64 * 1024 + 1))), "/value")
        .get("message").asString()).contains("at most 64 KiB");
    assertThat(errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "domain", "production")), "/domain")
        .get("message").asString()).contains("names its project");
    assertThat(errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "project", "nope")), "/project")
        .get("message").asString()).contains("does not exist");
    errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "scope", "all")), "/scope");
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).isEmpty();
  }
}
