package dev.meridian.gateway.identity;

import java.util.Optional;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who calls, from a verified access token: an API key or a person logged in to the console
 * ({@code email}) acting in one org with one role, or the platform operator, who acts in no org.
 */
public record Caller(String org, Role role, String keyId, String email) {

  /** Ordered: each role may do what the ones before it may. */
  public enum Role {
    VIEWER, MEMBER, ADMIN, OWNER, OPERATOR;

    boolean atLeast(Role required) {
      return this != OPERATOR && required != OPERATOR && ordinal() >= required.ordinal();
    }

    static Optional<Role> of(String claim) {
      try {
        return Optional.of(valueOf(claim.toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException | NullPointerException e) {
        return Optional.empty();
      }
    }
  }

  /** Empty when the token names no role we know: such a token is refused. */
  static Optional<Caller> of(Jwt jwt) {
    return Role.of(jwt.getClaimAsString("role")).map(role -> new Caller(jwt.getClaimAsString("org"), role, jwt.getClaimAsString("key_id"),
        jwt.getClaimAsString("email")));
  }

  boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** For audit trails: who did it. */
  public String describe() {
    if (isOperator()) {
      return "platform operator";
    }
    return (keyId != null ? "API key " + keyId : "user " + email) + " (" + roleName() + ")";
  }

  /** {@code owner}, {@code admin}, {@code member}, {@code viewer} or {@code operator}, as in tokens. */
  public String roleName() {
    return role.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The caller of the current REST request (or gRPC call); "unknown" outside one. */
  public static String current() {
    return currentCaller().map(Caller::describe).orElse("unknown");
  }

  /** The caller of the current REST request (or gRPC call), if authenticated. */
  public static Optional<Caller> currentCaller() {
    Caller grpc = GrpcAuthentication.CALLER.get();
    if (grpc != null) {
      return Optional.of(grpc);
    }
    if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
      return of(token.getToken());
    }
    return Optional.empty();
  }
}
