package dev.meridian.tenant.identity;

import java.util.Optional;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.stereotype.Component;

/**
 * The OAuth2 clients the authorization server knows: every API key that is not revoked, the
 * console, and the platform operator when one is configured. Clients are registered by creating API keys, never
 * through this repository.
 */
@Component
class ApiKeyClients implements RegisteredClientRepository {

  static final String OPERATOR_ID = "platform-operator";
  /** The console: a public client (a page in the browser keeps no secret) that must use PKCE. */
  static final String CONSOLE_ID = "meridian-console";
  static final String ORG = "meridian.org";
  static final String ROLE = "meridian.role";

  private final ApiKeyStore keys;
  private final IdentityProperties properties;
  private final Optional<RegisteredClient> operator;
  private final RegisteredClient console;

  ApiKeyClients(ApiKeyStore keys, IdentityProperties properties, PasswordEncoder encoder) {
    this.keys = keys;
    this.properties = properties;
    this.operator = Optional.ofNullable(properties.operator())
        .filter(op -> op.clientId() != null && !op.clientId().isBlank() && op.clientSecret() != null && !op.clientSecret().isBlank())
        .map(op -> client(OPERATOR_ID, op.clientId(), encoder.encode(op.clientSecret()), "platform operator", null, "operator"));
    this.console = RegisteredClient.withId(CONSOLE_ID)
        .clientId(CONSOLE_ID)
        .clientName("Meridian console")
        .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .redirectUri(properties.consoleRedirectUri())
        .scope(OidcScopes.OPENID)
        .scope(OidcScopes.EMAIL)
        .clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(false).build())
        .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(properties.accessTokenTtl()).build())
        .build();
  }

  @Override
  public void save(RegisteredClient registeredClient) {
    throw new UnsupportedOperationException("clients are API keys: create them with POST /api/v1/orgs/{org}/api-keys");
  }

  @Override
  public RegisteredClient findById(String id) {
    if (operator.isPresent() && operator.get().getId().equals(id)) {
      return operator.get();
    }
    if (console.getId().equals(id)) {
      return console;
    }
    return keys.activeById(id).map(this::client).orElse(null);
  }

  @Override
  public RegisteredClient findByClientId(String clientId) {
    if (operator.isPresent() && operator.get().getClientId().equals(clientId)) {
      return operator.get();
    }
    if (console.getClientId().equals(clientId)) {
      return console;
    }
    return keys.activeByClientId(clientId).map(this::client).orElse(null);
  }

  private RegisteredClient client(ApiKeyStore.KeyRow key) {
    return client(key.id(), key.clientId(), key.secretHash(), key.name(), key.org(), key.role());
  }

  private RegisteredClient client(String id, String clientId, String secretHash, String name, String org, String role) {
    ClientSettings.Builder settings = ClientSettings.builder().setting(ROLE, role);
    if (org != null) {
      settings.setting(ORG, org);
    }
    return RegisteredClient.withId(id)
        .clientId(clientId)
        .clientSecret(secretHash)
        .clientName(name)
        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
        .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .clientSettings(settings.build())
        .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(properties.accessTokenTtl()).build())
        .build();
  }
}
