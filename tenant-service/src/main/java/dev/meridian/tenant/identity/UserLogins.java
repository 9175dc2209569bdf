package dev.meridian.tenant.identity;

import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Component;

/**
 * People logging in to the console: by e-mail address and password. An account whose sign-up is
 * not confirmed yet is disabled, so its login fails with that reason.
 */
@Component
class UserLogins implements UserDetailsService {

  /** The org a user acts in, and with which role. */
  record Membership(String userId, String org, String role) {}

  private final JdbcClient jdbc;

  UserLogins(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public UserDetails loadUserByUsername(String email) {
    return jdbc.sql("select email, password_hash, status from users where lower(email) = lower(:email)").param("email", email.trim())
        .query((rs, row) -> User.withUsername(rs.getString(1)).password(rs.getString(2))
            .disabled(!rs.getString(3).equals("ACTIVE")).authorities("ROLE_USER").build())
        .optional().orElseThrow(() -> new UsernameNotFoundException("no account for " + email));
  }

  /**
   * The membership the user's tokens carry: in {@code org} when asked for and the user belongs to it,
   * else in the org the user joined first. Empty when the user belongs to no (active) org.
   */
  Optional<Membership> membership(String email, String org) {
    return jdbc.sql("""
            select u.user_id, m.org_id, m.role from users u
              join memberships m on m.user_id = u.user_id
              join orgs o on o.org_id = m.org_id and o.status = 'ACTIVE'
            where lower(u.email) = lower(:email)
            order by (m.org_id = :org) desc, m.created_at limit 1
            """)
        .param("email", email).param("org", org == null ? "" : org)
        .query((rs, row) -> new Membership(rs.getString(1), rs.getString(2), rs.getString(3))).optional();
  }
}
