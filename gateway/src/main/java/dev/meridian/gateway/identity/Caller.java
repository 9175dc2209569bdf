package dev.meridian.gateway.identity;

import java.util.Optional;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who calls, from a verified access token: an API key (or, later, a user) acting in one org with
 * one role, or the platform operator, who acts in no org.
 */
public record Caller(String org, Role role, String keyId) {

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
    return Role.of(jwt.getClaimAsString("role")).map(role -> new Caller(jwt.getClaimAsString("org"), role, jwt.getClaimAsString("key_id")));
  }

  boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** For audit trails: who did it. */
  public String describe() {
    return isOperator() ? "platform operator" : "API key " + keyId + " (" + role.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  /** The caller of the current REST request (or gRPC call); "unknown" outside one. */
  public static String current() {
    Caller grpc = GrpcAuthentication.CALLER.get();
    if (grpc != null) {
      return grpc.describe();
    }
    if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
      return of(token.getToken()).map(Caller::describe).orElse("unknown");
    }
    return "unknown";
  }
}
