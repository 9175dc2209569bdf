package dev.meridian.tenant.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.proto.tenant.v1.ApiKeysGrpc;
import dev.meridian.proto.tenant.v1.CreateApiKeyRequest;
import dev.meridian.proto.tenant.v1.CreateOrgRequest;
import dev.meridian.proto.tenant.v1.CreatedApiKey;
import dev.meridian.proto.tenant.v1.ListApiKeysRequest;
import dev.meridian.proto.tenant.v1.RevokeApiKeyRequest;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc;
import dev.meridian.tenant.InternalApi;
import dev.meridian.tenant.TenantServiceApplication;
import dev.meridian.testkit.Infrastructure;
import dev.meridian.testkit.Ports;
import dev.meridian.testkit.TestSlice;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * tenant-service as the authorization server, started as the real application on the shared
 * PostgreSQL: API keys get tokens with client_credentials, tokens name the org and role, revoked
 * keys get none, and a restart keeps the signing keys.
 */
class AuthorizationServerIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static int httpPort;
  private static int grpcPort;
  private static ConfigurableApplicationContext service;
  private static ManagedChannel channel;

  private static ConfigurableApplicationContext start() {
    List<String> args = new ArrayList<>(List.of(
        "--spring.datasource.url=" + Infrastructure.shared().postgres().jdbcUrl() + "?currentSchema=tenant",
        "--spring.datasource.password=" + Infrastructure.shared().postgres().password(),
        "--server.port=" + httpPort, "--spring.grpc.server.port=" + grpcPort,
        "--meridian.tenant.identity.issuer=http://127.0.0.1:" + httpPort,
        "--meridian.tenant.identity.operator.client-id=operator", "--meridian.tenant.identity.operator.client-secret=operator-secret"));
    args.addAll(InternalApi.serviceIdentity());
    return new SpringApplicationBuilder(TenantServiceApplication.class).run(args.toArray(String[]::new));
  }

  @BeforeAll
  static void startService() {
    httpPort = Ports.free();
    grpcPort = Ports.free();
    service = start();
    channel = InternalApi.channelAs("gateway", grpcPort);
  }

  @AfterAll
  static void stopService() {
    channel.shutdownNow();
    service.close();
  }

  private static String newOrg() {
    String org = TestSlice.newOrg();
    TenantDirectoryGrpc.newBlockingStub(channel).createOrg(CreateOrgRequest.newBuilder().setSlug(org).setName(org)
        .setOwnerEmail("owner@" + org + ".test").build());
    return org;
  }

  private static CreatedApiKey newKey(String org, String role) {
    return operatorKeys().createApiKey(CreateApiKeyRequest.newBuilder().setOrg(org).setName("ci").setRole(role).build());
  }

  /** The API keys API as the platform operator, who provisions orgs and their keys. */
  private static ApiKeysGrpc.ApiKeysBlockingStub operatorKeys() {
    try {
      return InternalApi.actingAs(ApiKeysGrpc.newBlockingStub(channel), accessToken("operator", "operator-secret"));
    } catch (Exception e) {
      throw new IllegalStateException("the operator gets no token", e);
    }
  }

  private static HttpResponse<String> token(String clientId, String secret) throws Exception {
    String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/oauth2/token"))
        .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String accessToken(String clientId, String secret) throws Exception {
    HttpResponse<String> response = token(clientId, secret);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("token_type").asString()).isEqualTo("Bearer");
    return body.get("access_token").asString();
  }

  private static Jwt verify(String token) {
    return NimbusJwtDecoder.withJwkSetUri("http://127.0.0.1:" + httpPort + "/oauth2/jwks").build().decode(token);
  }

  @Test
  void anApiKeyGetsATokenThatNamesItsOrgAndRole() throws Exception {
    String org = newOrg();
    CreatedApiKey key = newKey(org, "member");

    Jwt jwt = verify(accessToken(key.getKey().getClientId(), key.getClientSecret()));

    assertThat(jwt.getClaimAsString("org")).isEqualTo(org);
    assertThat(jwt.getClaimAsString("role")).isEqualTo("member");
    assertThat(jwt.getClaimAsString("key_id")).isEqualTo(key.getKey().getId());
    assertThat(jwt.getAudience()).containsExactly("meridian-api");
    assertThat(jwt.getIssuer().toString()).isEqualTo("http://127.0.0.1:" + httpPort);
    assertThat(ApiKeysGrpc.newBlockingStub(channel).listApiKeys(ListApiKeysRequest.newBuilder().setOrg(org).build()).getItemsList())
        .singleElement().satisfies(listed -> assertThat(listed.toString()).doesNotContain(key.getClientSecret()));
  }

  @Test
  void aWrongSecretOrARevokedKeyGetsNoToken() throws Exception {
    String org = newOrg();
    CreatedApiKey key = newKey(org, "admin");
    assertThat(token(key.getKey().getClientId(), "mrds_wrong").statusCode()).isEqualTo(401);

    ApiKeysGrpc.newBlockingStub(channel).revokeApiKey(RevokeApiKeyRequest.newBuilder().setOrg(org).setId(key.getKey().getId()).build());

    HttpResponse<String> refused = token(key.getKey().getClientId(), key.getClientSecret());
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(refused.body()).get("error").asString()).isEqualTo("invalid_client");
  }

  @Test
  void thePlatformOperatorGetsATokenWithoutAnOrg() throws Exception {
    Jwt jwt = verify(accessToken("operator", "operator-secret"));

    assertThat(jwt.getClaimAsString("role")).isEqualTo("operator");
    assertThat(jwt.hasClaim("org")).isFalse();
  }

  @Test
  void aTamperedTokenDoesNotVerify() throws Exception {
    String token = accessToken("operator", "operator-secret");
    String[] parts = token.split("\\.");
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(
        Map.of("role", "owner", "org", "someone-else", "aud", List.of("meridian-api"))));

    org.junit.jupiter.api.Assertions.assertThrows(JwtException.class, () -> verify(parts[0] + "." + forged + "." + parts[2]));
  }

  @Test
  void tokensIssuedBeforeARestartStillVerifyAfterIt() throws Exception {
    String org = newOrg();
    CreatedApiKey key = newKey(org, "viewer");
    String token = accessToken(key.getKey().getClientId(), key.getClientSecret());

    service.close();
    service = start();

    assertThat(verify(token).getClaimAsString("org")).isEqualTo(org);
    assertThat(verify(accessToken(key.getKey().getClientId(), key.getClientSecret())).getClaimAsString("role")).isEqualTo("viewer");
  }
}
