package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** API keys of an org and the token endpoint, through the gateway as a CI system uses them. */
@ExtendWith(LocalStackExtension.class)
class ApiKeyE2E {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static HttpResponse<String> token(LocalStack stack, String clientId, String secret) throws Exception {
    String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/oauth2/token"))
        .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode claims(String accessToken) {
    return MeridianClient.JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
  }

  @Test
  void anAdminCreatesAKeyWhoseSecretIsShownOnceAndItsTokenNamesTheOrgAndRole(LocalStackExtension.Tenant tenant) throws Exception {
    String keys = "/api/v1/orgs/" + tenant.org() + "/api-keys";
    var created = tenant.api().post(keys, Map.of("name", "ci", "role", "member"));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    String clientId = created.body().get("clientId").asString();
    String secret = created.body().get("clientSecret").asString();
    JsonNode listed = tenant.api().get(keys).body().get("items");
    assertThat(listed.valueStream().filter(key -> key.get("clientId").asString().equals(clientId))).singleElement()
        .satisfies(key -> assertThat(key.has("clientSecret")).isFalse());
    assertThat(listed.toString()).doesNotContain(secret);

    HttpResponse<String> token = token(tenant.stack(), clientId, secret);
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    JsonNode claims = claims(MeridianClient.JSON.readTree(token.body()).get("access_token").asString());
    assertThat(claims.get("org").asString()).isEqualTo(tenant.org());
    assertThat(claims.get("role").asString()).isEqualTo("member");

    var revoked = tenant.api().delete(keys + "/" + created.body().get("id").asString());
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.body().get("revokedAt").isNull()).isFalse();
    assertThat(token(tenant.stack(), clientId, secret).statusCode()).isEqualTo(401);
  }

  @Test
  void aRevokedKeysTokensStopWorkingWithinAMinute(LocalStackExtension.Tenant tenant) {
    String keys = "/api/v1/orgs/" + tenant.org() + "/api-keys";
    var created = tenant.api().post(keys, Map.of("name", "ci", "role", "viewer"));
    MeridianClient viewer = tenant.api().as(new MeridianClient.Credentials(created.body().get("clientId").asString(),
        created.body().get("clientSecret").asString()));
    assertThat(viewer.get(tenant.scope() + "/executions").status()).isEqualTo(200);

    assertThat(tenant.api().delete(keys + "/" + created.body().get("id").asString()).status()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(60)).until(() -> viewer.get(tenant.scope() + "/executions").status() == 401);
  }

  @Test
  void keysAreInvalidWithLocatedErrorsAndAnotherOrgsKeysStayInvisible(LocalStackExtension.Tenant tenant) {
    String keys = "/api/v1/orgs/" + tenant.org() + "/api-keys";
    var invalid = tenant.api().post(keys, Map.of("name", "ci", "role", "god"));
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/role");
    String id = tenant.api().post(keys, Map.of("name", "ci", "role", "viewer")).body().get("id").asString();

    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    assertThat(other.api().get("/api/v1/orgs/" + other.org() + "/api-keys").body().toString()).doesNotContain(id);
    assertThat(other.api().delete("/api/v1/orgs/" + other.org() + "/api-keys/" + id).status()).isEqualTo(404);
    assertThat(other.api().get(keys).status()).as("org B's token on org A's keys").isEqualTo(404);
    assertThat(tenant.api().get(keys).body().get("items").valueStream().filter(k -> k.get("id").asString().equals(id)))
        .singleElement().satisfies(k -> assertThat(k.get("revokedAt").isNull()).isTrue());
  }

  @Test
  void thePlatformOperatorsCredentialsAreWrittenForTheUserAndGetAToken(LocalStackExtension.Tenant tenant) throws Exception {
    LocalStack.Operator operator = tenant.stack().operator();
    assertThat(tenant.stack().options().home().resolve("operator.json")).exists();

    HttpResponse<String> token = token(tenant.stack(), operator.clientId(), operator.clientSecret());

    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    assertThat(claims(MeridianClient.JSON.readTree(token.body()).get("access_token").asString()).get("role").asString()).isEqualTo("operator");
    assertThat(token(tenant.stack(), operator.clientId(), "wrong").statusCode()).isEqualTo(401);
  }

  @Test
  void guessingAKeysSecretIsStoppedAfterTenWrongTriesWhileOtherKeysWorkOn(LocalStackExtension.Tenant tenant) throws Exception {
    String keys = "/api/v1/orgs/" + tenant.org() + "/api-keys";
    var target = tenant.api().post(keys, Map.of("name", "target", "role", "viewer")).body();
    var bystander = tenant.api().post(keys, Map.of("name", "bystander", "role", "viewer")).body();
    String clientId = target.get("clientId").asString();
    for (int i = 0; i < 10; i++) {
      assertThat(token(tenant.stack(), clientId, "mrds_guess" + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> stopped = token(tenant.stack(), clientId, target.get("clientSecret").asString());

    assertThat(stopped.statusCode()).as("even the right secret waits now").isEqualTo(429);
    assertThat(Long.parseLong(stopped.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 600L);
    assertThat(stopped.body()).contains("too many wrong secrets");
    assertThat(token(tenant.stack(), bystander.get("clientId").asString(), bystander.get("clientSecret").asString()).statusCode())
        .isEqualTo(200);
  }
}
