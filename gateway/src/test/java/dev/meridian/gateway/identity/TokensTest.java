package dev.meridian.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;

class TokensTest {

  private static final Tokens.Properties PROPERTIES = new Tokens.Properties("http://issuer.test", null, "meridian-api");
  private static final OAuth2TokenValidator<Jwt> VALIDATOR = Tokens.validator(PROPERTIES, Set.of("key_revoked")::contains,
      jwt -> "usr_demoted".equals(jwt.getClaimAsString("user_id")));

  private static Jwt.Builder token() {
    Instant now = Instant.now();
    return Jwt.withTokenValue("t").header("alg", "RS256").issuer("http://issuer.test").audience(List.of("meridian-api"))
        .issuedAt(now.minusSeconds(10)).expiresAt(now.plusSeconds(600)).claim("org", "acme").claim("role", "member").claim("key_id", "key_ok");
  }

  @Test
  void aCurrentTokenOfOurIssuerForOurApiIsValid() {
    assertThat(VALIDATOR.validate(token().build()).hasErrors()).isFalse();
  }

  @Test
  void anExpiredTokenIsRefused() {
    Instant past = Instant.now().minusSeconds(3600);
    assertThat(VALIDATOR.validate(token().issuedAt(past.minusSeconds(600)).expiresAt(past).build()).hasErrors()).isTrue();
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    assertThat(VALIDATOR.validate(token().audience(List.of("someone-else")).build()).getErrors())
        .anySatisfy(error -> assertThat(error.getDescription()).isEqualTo("the token is not for this API"));
  }

  @Test
  void aTokenOfAnotherIssuerIsRefused() {
    assertThat(VALIDATOR.validate(token().issuer("http://evil.test").build()).hasErrors()).isTrue();
  }

  @Test
  void aTokenOfARevokedKeyIsRefused() {
    assertThat(VALIDATOR.validate(token().claim("key_id", "key_revoked").build()).getErrors())
        .anySatisfy(error -> assertThat(error.getDescription()).isEqualTo("the API key of this token was revoked"));
  }

  @Test
  void aPersonsTokenFromBeforeTheirRoleChangedIsRefused() {
    assertThat(VALIDATOR.validate(token().claim("user_id", "usr_demoted").build()).getErrors())
        .anySatisfy(error -> assertThat(error.getDescription()).contains("your role in this org changed"));
    assertThat(VALIDATOR.validate(token().claim("user_id", "usr_unchanged").build()).hasErrors()).isFalse();
  }
}
