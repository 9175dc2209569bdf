package dev.meridian.tenant.identity;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.authorization.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * tenant-service as the OAuth2 authorization server: {@code client_credentials} for API keys and
 * the platform operator at {@code /oauth2/token}, the signing keys at {@code /oauth2/jwks}. Access
 * tokens are JWTs whose {@code org} and {@code role} claims say in which org the caller acts and
 * what it may do there ({@code role: operator} and no org for the platform operator).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class AuthorizationServer {

  @Bean
  @Order(1)
  SecurityFilterChain authorizationServerEndpoints(HttpSecurity http) throws Exception {
    OAuth2AuthorizationServerConfigurer authorizationServer = new OAuth2AuthorizationServerConfigurer();
    http.securityMatcher(authorizationServer.getEndpointsMatcher())
        .with(authorizationServer, server -> {})
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .csrf(csrf -> csrf.ignoringRequestMatchers(authorizationServer.getEndpointsMatcher()));
    return http.build();
  }

  /** Everything else over HTTP is the health endpoint; the service's API is gRPC on the internal network. */
  @Bean
  @Order(2)
  SecurityFilterChain everythingElse(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(requests -> requests.requestMatchers("/actuator/health/**", "/actuator/health").permitAll()
        .anyRequest().denyAll());
    return http.build();
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings(IdentityProperties properties) {
    return AuthorizationServerSettings.builder().issuer(properties.issuer()).build();
  }

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> meridianClaims(IdentityProperties properties) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      var settings = context.getRegisteredClient().getClientSettings();
      context.getClaims().audience(List.of(properties.audience()));
      context.getClaims().claim("role", (String) settings.getSetting(ApiKeyClients.ROLE));
      String org = settings.getSetting(ApiKeyClients.ORG);
      if (org != null) {
        context.getClaims().claim("org", org).claim("key_id", context.getRegisteredClient().getId());
      }
    };
  }
}
