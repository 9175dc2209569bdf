package dev.meridian.identity;

import java.util.Map;
import java.util.Optional;

/**
 * Who acts, read from a verified access token: an API key ({@code keyId}) or a person ({@code
 * userId}, {@code email}) in one org with one role, or the platform operator, who is in no org.
 */
public record VerifiedCaller(String org, Role role, String userId, String keyId, String email) {

  /** Empty when the claims name no role we know: such a token is refused. */
  public static Optional<VerifiedCaller> fromClaims(Map<String, Object> claims) {
    return Role.of(string(claims.get("role"))).map(role -> new VerifiedCaller(string(claims.get("org")), role,
        string(claims.get("user_id")), string(claims.get("key_id")), string(claims.get("email"))));
  }

  public boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** For audit trails: who did it. */
  public String describe() {
    if (isOperator()) {
      return "platform operator";
    }
    return (keyId != null ? "API key " + keyId : "user " + email) + " (" + role.claim() + ")";
  }

  private static String string(Object value) {
    return value == null ? null : value.toString();
  }
}
