package dev.meridian.tenant.identity;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.authorization.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * tenant-service as the OAuth2/OIDC authorization server: {@code client_credentials} for API keys
 * and the platform operator, authorization code with PKCE for people logging in to the console
 * (form login at {@code /login}), the signing keys at {@code /oauth2/jwks}. Access tokens are JWTs
 * whose {@code org} and {@code role} claims say in which org the caller acts and what it may do
 * there ({@code role: operator} and no org for the platform operator).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class AuthorizationServer {

  /** Asked for by the console when a person belongs to several orgs: the org to act in. */
  static final String ORG_PARAMETER = "org";

  @Bean
  @Order(1)
  SecurityFilterChain authorizationServerEndpoints(HttpSecurity http) throws Exception {
    OAuth2AuthorizationServerConfigurer authorizationServer = new OAuth2AuthorizationServerConfigurer();
    http.securityMatcher(authorizationServer.getEndpointsMatcher())
        .with(authorizationServer, server -> server.oidc(Customizer.withDefaults()))
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .oauth2ResourceServer(server -> server.jwt(Customizer.withDefaults()))
        .exceptionHandling(exceptions -> exceptions.defaultAuthenticationEntryPointFor(
            new LoginUrlAuthenticationEntryPoint("/login"), new MediaTypeRequestMatcher(MediaType.TEXT_HTML)))
        .csrf(csrf -> csrf.ignoringRequestMatchers(authorizationServer.getEndpointsMatcher()));
    return http.build();
  }

  /** The login form for people, and health. The service's own API is gRPC on the internal network. */
  @Bean
  @Order(2)
  SecurityFilterChain loginAndHealth(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(requests -> requests
            .requestMatchers("/actuator/health/**", "/actuator/health", "/login", "/error").permitAll()
            .anyRequest().authenticated())
        .formLogin(login -> login.loginPage("/login").permitAll())
        // Signing out only ends the login session; a forged sign-out harms nobody, and the console cannot
        // know this session's CSRF token.
        .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
        .csrf(csrf -> csrf.ignoringRequestMatchers("/logout"));
    return http.build();
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings(IdentityProperties properties) {
    return AuthorizationServerSettings.builder().issuer(properties.issuer()).build();
  }

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> meridianClaims(IdentityProperties properties, UserLogins users) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      context.getClaims().audience(List.of(properties.audience()));
      if (AuthorizationGrantType.AUTHORIZATION_CODE.equals(context.getAuthorizationGrantType())) {
        OAuth2AuthorizationRequest request = context.getAuthorization() == null ? null
            : context.getAuthorization().getAttribute(OAuth2AuthorizationRequest.class.getName());
        Object asked = request == null ? null : request.getAdditionalParameters().get(ORG_PARAMETER);
        String email = context.getPrincipal().getName();
        context.getClaims().claim("email", email);
        users.membership(email, asked == null ? null : asked.toString()).ifPresent(membership -> context.getClaims()
            .claim("org", membership.org()).claim("role", membership.role()).claim("user_id", membership.userId()));
        return;
      }
      var settings = context.getRegisteredClient().getClientSettings();
      context.getClaims().claim("role", (String) settings.getSetting(ApiKeyClients.ROLE));
      String org = settings.getSetting(ApiKeyClients.ORG);
      if (org != null) {
        context.getClaims().claim("org", org).claim("key_id", context.getRegisteredClient().getId());
      }
    };
  }
}
