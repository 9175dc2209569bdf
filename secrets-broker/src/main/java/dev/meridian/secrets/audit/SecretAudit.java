package dev.meridian.secrets.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Who did what to which secret, for which attempt: every write, delete, grant and redemption,
 * refused ones included. Append-only; never holds a value.
 */
public final class SecretAudit {

  /** One audited event. {@code secret} and {@code attempt} are null where they do not apply. */
  public record Entry(long id, Instant at, String org, String actor, String action, String secret, String attempt, String outcome,
      String detail) {}

  private final JdbcClient jdbc;
  private final Clock clock;

  public SecretAudit(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  public void record(String org, String actor, String action, String secret, String attempt, String outcome, String detail) {
    jdbc.sql("""
        insert into audit (at, org_id, actor, action, secret, attempt, outcome, detail)
        values (:at, :org, :actor, :action, :secret, :attempt, :outcome, :detail)
        """).param("at", java.sql.Timestamp.from(clock.instant())).param("org", org).param("actor", actor).param("action", action)
        .param("secret", secret).param("attempt", attempt).param("outcome", outcome).param("detail", detail).update();
  }

  /** Who wrote each secret of the org last, by the secret's path. */
  public java.util.Map<String, String> lastWriters(String org) {
    java.util.Map<String, String> writers = new java.util.HashMap<>();
    jdbc.sql("""
        select distinct on (secret) secret, actor from audit
         where org_id = :org and action = 'write' and outcome = 'stored' order by secret, id desc
        """).param("org", org).query((rs, row) -> writers.put(rs.getString(1), rs.getString(2))).list();
    return writers;
  }

  /** The org's most recent entries first. */
  public List<Entry> recent(String org, int limit) {
    return jdbc.sql("""
        select id, at, org_id, actor, action, secret, attempt, outcome, detail from audit
         where org_id = :org order by id desc limit :limit
        """).param("org", org).param("limit", limit)
        .query((rs, row) -> new Entry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("org_id"), rs.getString("actor"),
            rs.getString("action"), rs.getString("secret"), rs.getString("attempt"), rs.getString("outcome"), rs.getString("detail")))
        .list();
  }
}
