package dev.meridian.tenant.identity;

import dev.meridian.identity.ForwardedCaller;
import dev.meridian.identity.Role;
import dev.meridian.identity.VerifiedCaller;
import io.grpc.Status;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Who acts on an internal call, and with which role in an org now. The role comes from the
 * forwarded access token (verified by this service, its issuer), lowered to what the person's
 * membership or the API key holds today: a token minted before a demotion or a revocation buys
 * nothing here. Never from a request field.
 */
@Component
public class Callers {

  /** A caller and the role it may act with in the org it acts in. */
  public record Acting(VerifiedCaller who, Role role) {
    public String describe() {
      return who.describe();
    }
  }

  private final JdbcClient jdbc;

  Callers(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The caller acting in {@code org}: {@code UNAUTHENTICATED} without a forwarded token, {@code
   * NOT_FOUND} for a caller of another org (the org's existence stays hidden), {@code
   * PERMISSION_DENIED} when the key or membership behind the token is gone.
   */
  public Acting in(String org) {
    VerifiedCaller who = ForwardedCaller.current().orElseThrow(() -> Status.UNAUTHENTICATED
        .withDescription("this method acts for a person or an API key: forward the caller's access token").asRuntimeException());
    if (who.isOperator()) {
      return new Acting(who, Role.OPERATOR);
    }
    if (!org.equals(who.org())) {
      throw Status.NOT_FOUND.withDescription("org '" + org + "' not found").asRuntimeException();
    }
    Optional<String> current = who.keyId() != null
        ? jdbc.sql("select role from api_keys where key_id = :id and org_id = :org and revoked_at is null")
            .param("id", who.keyId()).param("org", org).query(String.class).optional()
        : jdbc.sql("select role from memberships where user_id = :user and org_id = :org")
            .param("user", String.valueOf(who.userId())).param("org", org).query(String.class).optional();
    Role held = current.flatMap(Role::of).orElseThrow(() -> Status.PERMISSION_DENIED
        .withDescription("the caller's API key or membership in '" + org + "' no longer exists").asRuntimeException());
    return new Acting(who, held.ordinal() < who.role().ordinal() ? held : who.role());
  }

  /** {@code PERMISSION_DENIED} unless {@code acting} may hand out {@code granted}: nobody grants above their own role. */
  public static void mayGrant(Acting acting, Role granted, String what) {
    if (!acting.role().mayGrant(granted)) {
      throw Status.PERMISSION_DENIED.withDescription("a " + acting.role().claim() + " may not " + what + " with role "
          + granted.claim() + ": nobody hands out a role above their own").asRuntimeException();
    }
  }
}
