package dev.meridian.secrets.grant;

import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.store.SecretPath;
import dev.meridian.secrets.store.SecretStore;
import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.SecretMount;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Single-use grants of an attempt's secrets (ADR 10). When the router assigns an attempt whose
 * task declares secrets, it asks for a grant bound to the attempt and the cluster it was assigned
 * to; only the grant's id travels in the assignment. The agent redeems it just before the attempt
 * starts: once, from that cluster, before it expires. The broker keeps only the id's hash.
 */
public final class Grants {

  /** The attempt a grant is for, and the cluster it was assigned to. */
  public record Attempt(String org, String project, String domain, AttemptId id, String clusterId) {}

  /** The answer to a request for a grant. */
  public sealed interface Issued {
    record Granted(String grantId, Instant expiresAt) implements Issued {}

    /** Secrets the task declares that do not exist in the execution's scope (deleted since launch). */
    record Missing(List<String> names) implements Issued {}
  }

  /** A secret's value, with how the attempt gets it. */
  public record Delivered(SecretMount mount, String value) {}

  /** The answer to a redemption. */
  public sealed interface Redemption {
    record Redeemed(Attempt attempt, List<Delivered> secrets) implements Redemption {}

    record Refused(Reason reason, String message) implements Redemption {}
  }

  public enum Reason { UNKNOWN, ALREADY_REDEEMED, EXPIRED, OTHER_CLUSTER, SECRET_GONE }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String BROKER = "secrets-broker";

  private final JdbcClient jdbc;
  private final SecretStore store;
  private final SecretAudit audit;
  private final Clock clock;
  private final Duration timeToLive;

  public Grants(JdbcClient jdbc, SecretStore store, SecretAudit audit, Clock clock, Duration timeToLive) {
    this.jdbc = jdbc;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.timeToLive = timeToLive;
  }

  /** The declared secrets that no scope of (org, project, domain) has: what a launch must refuse. */
  public List<String> missing(String org, String project, String domain, List<String> names) {
    return names.stream().filter(name -> valueInScope(org, project, domain, name).isEmpty()).toList();
  }

  public Issued issue(Attempt attempt, List<SecretMount> secrets, String requestedBy) {
    List<String> missing = missing(attempt.org(), attempt.project(), attempt.domain(), secrets.stream().map(SecretMount::name).toList());
    String names = String.join(",", secrets.stream().map(SecretMount::name).toList());
    if (!missing.isEmpty()) {
      audit.record(attempt.org(), requestedBy, "grant", names, attempt.id().toString(), "refused", "missing " + missing);
      return new Issued.Missing(missing);
    }
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String grantId = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = clock.instant();
    Instant expiresAt = now.plus(timeToLive);
    jdbc.sql("""
        insert into grants (id_hash, org_id, project, domain, execution_id, node_id, attempt, cluster_id, secrets, created_at, expires_at)
        values (:hash, :org, :project, :domain, :execution, :node, :attempt, :cluster, :secrets, :now, :expires)
        """).param("hash", hash(grantId)).param("org", attempt.org()).param("project", attempt.project())
        .param("domain", attempt.domain()).param("execution", attempt.id().executionId()).param("node", attempt.id().nodeId())
        .param("attempt", attempt.id().attempt()).param("cluster", attempt.clusterId()).param("secrets", JSON.writeValueAsString(secrets))
        .param("now", Timestamp.from(now)).param("expires", Timestamp.from(expiresAt)).update();
    audit.record(attempt.org(), requestedBy, "grant", names, attempt.id().toString(), "granted",
        "cluster " + attempt.clusterId() + ", expires " + expiresAt);
    return new Issued.Granted(grantId, expiresAt);
  }

  /**
   * The grant's secrets, if {@code clusterId} may have them now. Marking the grant redeemed and
   * reading the values are not one transaction: a broker that dies between them leaves the grant
   * spent and the attempt without its secrets, so it fails and its retry asks for a new grant.
   */
  public Redemption redeem(String grantId, String clusterId) {
    byte[] hash = hash(grantId);
    Instant now = clock.instant();
    Optional<Row> spent = jdbc.sql("""
        update grants set redeemed_at = :now
         where id_hash = :hash and redeemed_at is null and expires_at > :now and cluster_id = :cluster
        returning org_id, project, domain, execution_id, node_id, attempt, cluster_id, secrets, expires_at, redeemed_at
        """).param("now", Timestamp.from(now)).param("hash", hash).param("cluster", clusterId).query(Grants::row).optional();
    if (spent.isEmpty()) {
      return refused(hash, clusterId, now);
    }
    Row grant = spent.get();
    List<Delivered> delivered = new ArrayList<>();
    for (SecretMount mount : grant.secrets()) {
      Optional<String> value = valueInScope(grant.attempt().org(), grant.attempt().project(), grant.attempt().domain(), mount.name());
      if (value.isEmpty()) {
        audit.record(grant.attempt().org(), "cluster:" + clusterId, "redeem", mount.name(), grant.attempt().id().toString(), "refused",
            "the secret was deleted after the grant");
        return new Redemption.Refused(Reason.SECRET_GONE, "secret '" + mount.name() + "' no longer exists");
      }
      delivered.add(new Delivered(mount, value.get()));
    }
    audit.record(grant.attempt().org(), "cluster:" + clusterId, "redeem",
        String.join(",", grant.secrets().stream().map(SecretMount::name).toList()), grant.attempt().id().toString(), "redeemed", null);
    return new Redemption.Redeemed(grant.attempt(), delivered);
  }

  private Redemption refused(byte[] hash, String clusterId, Instant now) {
    Optional<Row> found = jdbc.sql("""
        select org_id, project, domain, execution_id, node_id, attempt, cluster_id, secrets, expires_at, redeemed_at
          from grants where id_hash = :hash
        """).param("hash", hash).query(Grants::row).optional();
    if (found.isEmpty()) {
      return new Redemption.Refused(Reason.UNKNOWN, "no such grant");
    }
    Row grant = found.get();
    Redemption.Refused refusal;
    if (!grant.attempt().clusterId().equals(clusterId)) {
      refusal = new Redemption.Refused(Reason.OTHER_CLUSTER, "the grant is for another cluster's attempt");
    } else if (grant.redeemedAt() != null) {
      refusal = new Redemption.Refused(Reason.ALREADY_REDEEMED, "the grant was already redeemed at " + grant.redeemedAt());
    } else {
      refusal = new Redemption.Refused(Reason.EXPIRED, "the grant expired at " + grant.expiresAt());
    }
    audit.record(grant.attempt().org(), "cluster:" + clusterId, "redeem", null, grant.attempt().id().toString(), "refused",
        refusal.reason() + ": " + refusal.message());
    return refusal;
  }

  /** The value of the most specific secret of that name the scope sees: the domain's, else the project's, else the org's. */
  private Optional<String> valueInScope(String org, String project, String domain, String name) {
    for (SecretPath path : List.of(new SecretPath(org, project, domain, name), new SecretPath(org, project, null, name),
        SecretPath.ofOrg(org, name))) {
      Optional<String> value = store.read(path);
      if (value.isPresent()) {
        return value;
      }
    }
    return Optional.empty();
  }

  private record Row(Attempt attempt, List<SecretMount> secrets, Instant expiresAt, Instant redeemedAt) {}

  private static Row row(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    Timestamp redeemed = rs.getTimestamp("redeemed_at");
    return new Row(new Attempt(rs.getString("org_id"), rs.getString("project"), rs.getString("domain"),
        new AttemptId(rs.getString("execution_id"), rs.getString("node_id"), rs.getInt("attempt")), rs.getString("cluster_id")),
        JSON.readValue(rs.getString("secrets"), new TypeReference<List<SecretMount>>() {}), rs.getTimestamp("expires_at").toInstant(),
        redeemed == null ? null : redeemed.toInstant());
  }

  private static byte[] hash(String grantId) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(grantId.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }
}
