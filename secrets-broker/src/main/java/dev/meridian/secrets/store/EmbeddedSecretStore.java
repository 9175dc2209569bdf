package dev.meridian.secrets.store;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.crypto.SecretKey;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Secrets in PostgreSQL under envelope encryption: each org has its own data key, kept only
 * wrapped by the {@link KeyEncryptionKey}; each version is sealed with the org's data key and bound
 * to its path and version. A database dump alone reveals names and versions, never values.
 */
public final class EmbeddedSecretStore implements SecretStore {

  private static final String WHOLE = "";

  private final JdbcClient jdbc;
  private final KeyEncryptionKey kek;

  public EmbeddedSecretStore(JdbcClient jdbc, KeyEncryptionKey kek) {
    this.jdbc = jdbc;
    this.kek = kek;
  }

  @Override
  public Written write(SecretPath path, String value, OptionalInt expectedVersion) {
    SecretKey dataKey = dataKey(path.org());
    while (true) {
      int current = currentVersion(path);
      if (expectedVersion.isPresent() && expectedVersion.getAsInt() != current) {
        return new Written.VersionMismatch(current);
      }
      int version = current + 1;
      byte[] sealed = Envelope.seal(dataKey, value.getBytes(StandardCharsets.UTF_8), boundTo(path, version));
      try {
        where(jdbc.sql("""
            insert into secret_versions (org_id, project, domain, name, version, ciphertext)
            values (:org, :project, :domain, :name, :version, :ciphertext)
            """), path).param("version", version).param("ciphertext", sealed).update();
        return new Written.Stored(version);
      } catch (DuplicateKeyException concurrentWrite) {
        // Another writer took this version first: a check-and-set write has lost, a plain one goes on top.
        if (expectedVersion.isPresent()) {
          return new Written.VersionMismatch(currentVersion(path));
        }
      }
    }
  }

  @Override
  public Optional<String> read(SecretPath path) {
    int current = currentVersion(path);
    return current == 0 ? Optional.empty() : read(path, current);
  }

  @Override
  public Optional<String> read(SecretPath path, int version) {
    return where(jdbc.sql("""
        select ciphertext from secret_versions
         where org_id = :org and project = :project and domain = :domain and name = :name and version = :version
           and deleted_at is null and ciphertext is not null
        """), path).param("version", version).query((rs, row) -> rs.getBytes(1)).optional()
        .map(sealed -> new String(Envelope.open(dataKey(path.org()), sealed, boundTo(path, version)), StandardCharsets.UTF_8));
  }

  @Override
  public List<SecretInfo> list(String org) {
    record Row(SecretPath path, int version, boolean live, Instant createdAt) {}
    List<Row> rows = jdbc.sql("""
        select project, domain, name, version, deleted_at is null and ciphertext is not null as live, created_at
          from secret_versions where org_id = :org
         order by project, domain, name, version
        """).param("org", org).query((rs, row) -> new Row(path(org, rs), rs.getInt("version"), rs.getBoolean("live"),
            rs.getTimestamp("created_at").toInstant())).list();
    Map<SecretPath, List<Row>> byPath = new LinkedHashMap<>();
    rows.forEach(row -> byPath.computeIfAbsent(row.path(), p -> new ArrayList<>()).add(row));
    return byPath.entrySet().stream().map(entry -> {
      List<Row> versions = entry.getValue();
      return new SecretInfo(entry.getKey(), versions.getLast().version(),
          versions.stream().filter(Row::live).map(Row::version).toList(),
          versions.getFirst().createdAt(), versions.getLast().createdAt());
    }).sorted(java.util.Comparator.comparing(info -> info.path().toString())).toList();
  }

  @Override
  public boolean delete(SecretPath path) {
    return where(jdbc.sql("""
        update secret_versions set deleted_at = now()
         where org_id = :org and project = :project and domain = :domain and name = :name and deleted_at is null
           and version = (select max(version) from secret_versions
                           where org_id = :org and project = :project and domain = :domain and name = :name)
        """), path).update() == 1;
  }

  @Override
  public boolean destroy(SecretPath path) {
    return where(jdbc.sql("""
        delete from secret_versions where org_id = :org and project = :project and domain = :domain and name = :name
        """), path).update() > 0;
  }

  private int currentVersion(SecretPath path) {
    return where(jdbc.sql("""
        select coalesce(max(version), 0) from secret_versions
         where org_id = :org and project = :project and domain = :domain and name = :name
        """), path).query(Integer.class).single();
  }

  /** The org's data key, made and stored (wrapped) on its first secret. */
  private SecretKey dataKey(String org) {
    Optional<OrgKey> stored = orgKey(org);
    if (stored.isEmpty()) {
      byte[] wrapped = Envelope.seal(kek.key(), Envelope.newKey().getEncoded(), "org-key/" + org);
      jdbc.sql("insert into org_keys (org_id, wrapped_key, kek_id) values (:org, :wrapped, :kek) on conflict do nothing")
          .param("org", org).param("wrapped", wrapped).param("kek", kek.id()).update();
      stored = orgKey(org);
    }
    OrgKey key = stored.orElseThrow();
    if (!key.kekId().equals(kek.id())) {
      throw new IllegalStateException("org " + org + "'s data key was wrapped by key encryption key " + key.kekId()
          + ", but this broker has key " + kek.id() + ": start it with the key it was using");
    }
    return Envelope.key(Envelope.open(kek.key(), key.wrapped(), "org-key/" + org));
  }

  private record OrgKey(byte[] wrapped, String kekId) {}

  private Optional<OrgKey> orgKey(String org) {
    return jdbc.sql("select wrapped_key, kek_id from org_keys where org_id = :org").param("org", org)
        .query((rs, row) -> new OrgKey(rs.getBytes(1), rs.getString(2))).optional();
  }

  private static String boundTo(SecretPath path, int version) {
    return "secret/" + path + "/" + version;
  }

  private static JdbcClient.StatementSpec where(JdbcClient.StatementSpec statement, SecretPath path) {
    return statement.param("org", path.org()).param("project", path.project() == null ? WHOLE : path.project())
        .param("domain", path.domain() == null ? WHOLE : path.domain()).param("name", path.name());
  }

  private static SecretPath path(String org, ResultSet rs) throws SQLException {
    String project = rs.getString("project");
    String domain = rs.getString("domain");
    return new SecretPath(org, project.isEmpty() ? null : project, domain.isEmpty() ? null : domain, rs.getString("name"));
  }
}
