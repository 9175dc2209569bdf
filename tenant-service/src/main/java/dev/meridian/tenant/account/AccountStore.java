package dev.meridian.tenant.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import dev.meridian.identity.Role;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Users, memberships and e-mailed links. Callers hold the transaction. */
@Repository
class AccountStore {

  record UserRow(String id, String email, String passwordHash, String status) {}

  record MemberRow(String userId, String org, String email, String role, Instant joinedAt) {}

  record LinkRow(String id, String kind, String org, String email, String role, String createdBy, Instant expiresAt, Instant usedAt) {}

  record OrgRow(String slug, String name, String status) {}

  private final JdbcClient jdbc;

  AccountStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  Optional<OrgRow> lockOrg(String org) {
    return jdbc.sql("select org_id, name, status from orgs where org_id = :org for update").param("org", org)
        .query((rs, row) -> new OrgRow(rs.getString(1), rs.getString(2), rs.getString(3))).optional();
  }

  Optional<OrgRow> findOrg(String org) {
    return jdbc.sql("select org_id, name, status from orgs where org_id = :org").param("org", org)
        .query((rs, row) -> new OrgRow(rs.getString(1), rs.getString(2), rs.getString(3))).optional();
  }

  /** False when the slug is taken (by an active org, or by a sign-up still waiting within its link's lifetime). */
  boolean insertPendingOrg(String slug, String name, String ownerEmail) {
    return jdbc.sql("""
            insert into orgs (org_id, name, owner_email, status) values (:org, :name, :email, 'PENDING_CONFIRMATION')
            on conflict (org_id) do nothing
            """)
        .param("org", slug).param("name", name).param("email", ownerEmail).update() == 1;
  }

  /**
   * Forgets sign-ups that can no longer be confirmed and collide with a new one: those of the same
   * e-mail address (a person signing up again replaces their unconfirmed attempt), and those whose
   * link expired holding the same slug.
   */
  void dropStaleSignUps(String slug, String email) {
    jdbc.sql("""
            delete from orgs o where o.status = 'PENDING_CONFIRMATION' and (
              exists (select 1 from email_links l where l.org_id = o.org_id and l.kind = 'SIGNUP' and lower(l.email) = lower(:email))
              or (o.org_id = :org and not exists (
                select 1 from email_links l where l.org_id = o.org_id and l.kind = 'SIGNUP' and l.expires_at > now())))
            """)
        .param("org", slug).param("email", email).update();
    jdbc.sql("""
            delete from users u where u.status = 'PENDING_CONFIRMATION'
              and not exists (select 1 from memberships m where m.user_id = u.user_id)
            """).update();
  }

  Optional<UserRow> userByEmail(String email) {
    return jdbc.sql("select user_id, email, password_hash, status from users where lower(email) = lower(:email)")
        .param("email", email).query(AccountStore::user).optional();
  }

  void insertUser(String id, String email, String passwordHash, String status) {
    jdbc.sql("insert into users (user_id, email, password_hash, status) values (:id, :email, :hash, :status)")
        .param("id", id).param("email", email).param("hash", passwordHash).param("status", status).update();
  }

  void activateUser(String id, String passwordHash) {
    jdbc.sql("update users set status = 'ACTIVE', password_hash = coalesce(:hash, password_hash) where user_id = :id")
        .param("id", id).param("hash", passwordHash).update();
  }

  void activateOrg(String org) {
    jdbc.sql("update orgs set status = 'ACTIVE' where org_id = :org").param("org", org).update();
  }

  void addMember(String org, String userId, String role) {
    jdbc.sql("insert into memberships (org_id, user_id, role) values (:org, :user, :role) on conflict do nothing")
        .param("org", org).param("user", userId).param("role", role).update();
  }

  List<MemberRow> members(String org) {
    return jdbc.sql(MEMBERS + " where m.org_id = :org order by m.created_at, u.email").param("org", org).query(AccountStore::member).list();
  }

  Optional<MemberRow> member(String org, String userId) {
    return jdbc.sql(MEMBERS + " where m.org_id = :org and m.user_id = :user").param("org", org).param("user", userId)
        .query(AccountStore::member).optional();
  }

  Optional<MemberRow> memberByEmail(String org, String email) {
    return jdbc.sql(MEMBERS + " where m.org_id = :org and lower(u.email) = lower(:email)").param("org", org).param("email", email)
        .query(AccountStore::member).optional();
  }

  int owners(String org) {
    return jdbc.sql("select count(*) from memberships where org_id = :org and role = 'owner'").param("org", org).query(Integer.class).single();
  }

  /** Tokens this person holds for the org say something no longer true: they are refused from now on. */
  void recordMembershipChange(String org, String userId) {
    jdbc.sql("""
            insert into membership_changes (org_id, user_id) values (:org, :user)
            on conflict (org_id, user_id) do update set changed_at = now()
            """).param("org", org).param("user", userId).update();
  }

  void changeRole(String org, String userId, String role) {
    jdbc.sql("update memberships set role = :role where org_id = :org and user_id = :user")
        .param("org", org).param("user", userId).param("role", role).update();
  }

  /**
   * Revokes the person's API keys in {@code org} whose role is above {@code kept} (every key when
   * {@code kept} is null: they left); how many.
   */
  int revokeKeysCreatedAbove(String org, String userId, Role kept) {
    List<String> above = java.util.Arrays.stream(Role.values())
        .filter(role -> role != Role.OPERATOR && (kept == null || role.ordinal() > kept.ordinal())).map(Role::claim).toList();
    if (above.isEmpty()) {
      return 0;
    }
    return jdbc.sql("""
        update api_keys set revoked_at = now()
        where org_id = :org and created_by_user = :user and revoked_at is null and role in (:roles)
        """).param("org", org).param("user", userId).param("roles", above).update();
  }

  void removeMember(String org, String userId) {
    jdbc.sql("delete from memberships where org_id = :org and user_id = :user").param("org", org).param("user", userId).update();
  }

  void insertLink(String id, String tokenHash, String kind, String org, String email, String role, String createdBy, Instant expiresAt) {
    jdbc.sql("""
            insert into email_links (link_id, token_hash, kind, org_id, email, role, created_by, expires_at)
            values (:id, :hash, :kind, :org, :email, :role, :by, :expires)
            """)
        .param("id", id).param("hash", tokenHash).param("kind", kind).param("org", org).param("email", email)
        .param("role", role).param("by", createdBy).param("expires", Timestamp.from(expiresAt)).update();
  }

  /** The link with this token's hash, locked until the transaction ends so it is used once. */
  Optional<LinkRow> lockLink(String tokenHash, String kind) {
    return jdbc.sql(LINKS + " where token_hash = :hash and kind = :kind for update").param("hash", tokenHash).param("kind", kind)
        .query(AccountStore::link).optional();
  }

  void useLink(String id) {
    jdbc.sql("update email_links set used_at = now() where link_id = :id").param("id", id).update();
  }

  List<LinkRow> openInvitations(String org) {
    return jdbc.sql(LINKS + " where org_id = :org and kind = 'INVITATION' and used_at is null and expires_at > now() order by created_at")
        .param("org", org).query(AccountStore::link).list();
  }

  private static final String MEMBERS = """
      select m.user_id, m.org_id, u.email, m.role, m.created_at from memberships m join users u on u.user_id = m.user_id
      """;
  private static final String LINKS = """
      select link_id, kind, org_id, email, role, created_by, expires_at, used_at from email_links
      """;

  private static UserRow user(ResultSet rs, int row) throws SQLException {
    return new UserRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
  }

  private static MemberRow member(ResultSet rs, int row) throws SQLException {
    return new MemberRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant());
  }

  private static LinkRow link(ResultSet rs, int row) throws SQLException {
    Timestamp used = rs.getTimestamp(8);
    return new LinkRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
        rs.getTimestamp(7).toInstant(), used == null ? null : used.toInstant());
  }
}
