package dev.meridian.gateway.identity;

import dev.meridian.identity.Role;
import dev.meridian.identity.VerifiedCaller;
import java.util.Optional;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who calls, from a verified access token: an API key or a person logged in to the console
 * ({@code email}) acting in one org with one role, or the platform operator, who acts in no org. The
 * token itself travels on to the internal services, which verify it and read the caller from it.
 */
public record Caller(String org, Role role, String keyId, String email, String token) {

  /** Empty when the token names no role we know: such a token is refused. */
  static Optional<Caller> of(Jwt jwt) {
    return VerifiedCaller.fromClaims(jwt.getClaims())
        .map(who -> new Caller(who.org(), who.role(), who.keyId(), who.email(), jwt.getTokenValue()));
  }

  boolean isOperator() {
    return role == Role.OPERATOR;
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
