package dev.meridian.gateway.identity;

import java.util.List;
import java.util.function.Predicate;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * How the gateway checks access tokens: signed by tenant-service (keys from its JWKS), issued by
 * it, for this API, not expired, and not from an API key revoked since.
 */
@Configuration(proxyBeanMethods = false)
class Tokens {

  /**
   * @param issuer    the issuer tokens must name (tenant-service's)
   * @param jwkSetUri where tenant-service publishes its signing keys
   * @param audience  the audience tokens must name
   */
  @ConfigurationProperties("meridian.gateway.identity")
  record Properties(String issuer, String jwkSetUri, String audience) {
    Properties {
      issuer = issuer == null ? "http://127.0.0.1:8181" : issuer;
      jwkSetUri = jwkSetUri == null ? issuer + "/oauth2/jwks" : jwkSetUri;
      audience = audience == null ? "meridian-api" : audience;
    }
  }

  @Bean
  JwtDecoder jwtDecoder(Properties properties, RevokedKeys revoked) {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
    decoder.setJwtValidator(validator(properties, revoked::isRevoked,
        jwt -> revoked.predatesMembershipChange(jwt.getClaimAsString("org"), jwt.getClaimAsString("user_id"), jwt.getIssuedAt())));
    return decoder;
  }

  /**
   * Not expired (nor used before it is valid), from our issuer, for our audience, of a key not
   * revoked, of a person whose role in the org has not changed since.
   */
  static OAuth2TokenValidator<Jwt> validator(Properties properties, Predicate<String> revokedKey, Predicate<Jwt> staleMembership) {
    return new DelegatingOAuth2TokenValidator<>(
        JwtValidators.createDefaultWithIssuer(properties.issuer()),
        jwt -> jwt.getAudience() != null && jwt.getAudience().contains(properties.audience()) ? OAuth2TokenValidatorResult.success()
            : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the token is not for this API", null)),
        jwt -> revokedKey.test(jwt.getClaimAsString("key_id"))
            ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the API key of this token was revoked", null))
            : OAuth2TokenValidatorResult.success(),
        jwt -> staleMembership.test(jwt)
            ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token",
                "your role in this org changed after this token was issued; sign in again", null))
            : OAuth2TokenValidatorResult.success());
  }

  static List<String> bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return List.of();
    }
    return List.of(authorization.substring(7).trim());
  }
}
