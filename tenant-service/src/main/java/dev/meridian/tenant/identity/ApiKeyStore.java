package dev.meridian.tenant.identity;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** API keys of orgs. The secret is never stored, only its hash. */
@Repository
class ApiKeyStore {

  record KeyRow(String id, String org, String name, String role, String clientId, String secretHash, Instant createdAt,
      String createdBy, Instant revokedAt) {}

  private static final String COLUMNS = "key_id, org_id, name, role, client_id, secret_hash, created_at, created_by, revoked_at";

  private final JdbcClient jdbc;

  ApiKeyStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  boolean orgExists(String org) {
    return jdbc.sql("select 1 from orgs where org_id = :org").param("org", org).query(Integer.class).optional().isPresent();
  }

  void insert(String id, String org, String name, String role, String clientId, String secretHash, Callers.Acting creator) {
    jdbc.sql("""
        insert into api_keys (key_id, org_id, name, role, client_id, secret_hash, created_by, created_by_user, created_by_key)
        values (:id, :org, :name, :role, :clientId, :hash, :actor, :user, :key)
        """).param("id", id).param("org", org).param("name", name).param("role", role).param("clientId", clientId)
        .param("hash", secretHash).param("actor", creator.describe()).param("user", creator.who().userId())
        .param("key", creator.who().keyId()).update();
  }

  /** Only keys that are not revoked can authenticate. */
  Optional<KeyRow> activeByClientId(String clientId) {
    return jdbc.sql("select " + COLUMNS + " from api_keys where client_id = :clientId and revoked_at is null")
        .param("clientId", clientId).query(ApiKeyStore::row).optional();
  }

  Optional<KeyRow> activeById(String id) {
    return jdbc.sql("select " + COLUMNS + " from api_keys where key_id = :id and revoked_at is null")
        .param("id", id).query(ApiKeyStore::row).optional();
  }

  Optional<KeyRow> find(String org, String id) {
    return jdbc.sql("select " + COLUMNS + " from api_keys where org_id = :org and key_id = :id")
        .param("org", org).param("id", id).query(ApiKeyStore::row).optional();
  }

  List<KeyRow> ofOrg(String org) {
    return jdbc.sql("select " + COLUMNS + " from api_keys where org_id = :org order by created_at, key_id")
        .param("org", org).query(ApiKeyStore::row).list();
  }

  /** Idempotent: revoking twice keeps the first time. */
  void revoke(String org, String id) {
    jdbc.sql("update api_keys set revoked_at = coalesce(revoked_at, now()) where org_id = :org and key_id = :id")
        .param("org", org).param("id", id).update();
  }

  List<String> revokedSince(Instant since) {
    return jdbc.sql("select key_id from api_keys where revoked_at >= :since").param("since", Timestamp.from(since))
        .query(String.class).list();
  }

  record MembershipChangeRow(String org, String userId, Instant changedAt) {}

  List<MembershipChangeRow> membershipChangesSince(Instant since) {
    return jdbc.sql("select org_id, user_id, changed_at from membership_changes where changed_at >= :since")
        .param("since", Timestamp.from(since))
        .query((rs, row) -> new MembershipChangeRow(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant())).list();
  }

  private static KeyRow row(ResultSet rs, int i) throws SQLException {
    Timestamp revoked = rs.getTimestamp("revoked_at");
    return new KeyRow(rs.getString("key_id"), rs.getString("org_id"), rs.getString("name"), rs.getString("role"),
        rs.getString("client_id"), rs.getString("secret_hash"), rs.getTimestamp("created_at").toInstant(), rs.getString("created_by"),
        revoked == null ? null : revoked.toInstant());
  }
}
