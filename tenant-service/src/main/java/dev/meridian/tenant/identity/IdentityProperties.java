package dev.meridian.tenant.identity;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param issuer         the {@code iss} of every token; what resource servers expect
 * @param audience       the {@code aud} of every access token
 * @param accessTokenTtl how long an access token is valid
 * @param operator       the platform operator's client credentials, set at deployment; none if absent
 * @param consoleRedirectUri where the console receives its authorization code (the issuer's {@code /console/callback})
 */
@ConfigurationProperties("meridian.tenant.identity")
public record IdentityProperties(String issuer, String audience, Duration accessTokenTtl, Operator operator,
    String consoleRedirectUri) {

  public record Operator(String clientId, String clientSecret) {}

  public IdentityProperties {
    issuer = issuer == null ? "http://127.0.0.1:8181" : issuer;
    audience = audience == null ? "meridian-api" : audience;
    accessTokenTtl = accessTokenTtl == null ? Duration.ofMinutes(15) : accessTokenTtl;
    consoleRedirectUri = consoleRedirectUri == null ? issuer.replaceAll("/+$", "") + "/console/callback" : consoleRedirectUri;
  }
}
