package dev.meridian.router.cluster;

import dev.meridian.workflow.Capacity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Registered clusters and what their agents last said. A cluster of org {@code *} serves every org. */
@Repository
public class ClusterStore {

  public static final String ANY_ORG = "*";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  public record ClusterRow(String id, String org, String name, String region, Map<String, String> labels, boolean cordoned,
      Instant createdAt, String agentVersion, Capacity capacity, Instant lastSeenAt) {}

  private static final String COLUMNS = """
      cluster_id, org_id, name, region, labels_json, cordoned, created_at, agent_version, capacity_json, last_seen_at""";

  private final JdbcClient jdbc;

  protected ClusterStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Empty if the org already has a cluster of that name. */
  Optional<ClusterRow> register(String org, String name, String region, Map<String, String> labels, String tokenHash) {
    String id = ClusterTokens.newId();
    try {
      jdbc.sql("""
          insert into clusters (cluster_id, org_id, name, region, labels_json, token_hash)
          values (:id, :org, :name, :region, :labels, :hash)
          """).param("id", id).param("org", org).param("name", name).param("region", region)
          .param("labels", JSON.writeValueAsString(labels)).param("hash", tokenHash).update();
    } catch (DuplicateKeyException e) {
      return Optional.empty();
    }
    return find(org, id);
  }

  /** The shared development cluster of the local stack, configured at deployment, serving every org. */
  void ensureShared(String id, String name, String tokenHash) {
    jdbc.sql("""
        insert into clusters (cluster_id, org_id, name, token_hash) values (:id, '*', :name, :hash)
        on conflict (cluster_id) do update set token_hash = excluded.token_hash, name = excluded.name, deleted_at = null
        """).param("id", id).param("name", name).param("hash", tokenHash).update();
  }

  /** The stored hash of the cluster's token: it names the cluster's Kafka principal. */
  Optional<String> tokenHash(String org, String id) {
    return jdbc.sql("select token_hash from clusters where org_id = :org and cluster_id = :id")
        .param("org", org).param("id", id).query(String.class).optional();
  }

  public Optional<ClusterRow> byTokenHash(String tokenHash) {
    return jdbc.sql("select " + COLUMNS + " from clusters where token_hash = :hash and deleted_at is null")
        .param("hash", tokenHash).query(ClusterStore::row).optional();
  }

  public Optional<ClusterRow> find(String org, String id) {
    return jdbc.sql("select " + COLUMNS + " from clusters where org_id = :org and cluster_id = :id and deleted_at is null")
        .param("org", org).param("id", id).query(ClusterStore::row).optional();
  }

  /** The org's own clusters. */
  List<ClusterRow> list(String org) {
    return jdbc.sql("select " + COLUMNS + " from clusters where org_id = :org and deleted_at is null order by name")
        .param("org", org).query(ClusterStore::row).list();
  }

  /** Every cluster that may run the org's work: its own and the shared ones. */
  public List<ClusterRow> servingOrg(String org) {
    return jdbc.sql("select " + COLUMNS + " from clusters where org_id in (:org, '*') and deleted_at is null order by cluster_id")
        .param("org", org).query(ClusterStore::row).list();
  }

  boolean setCordoned(String org, String id, boolean cordoned) {
    return jdbc.sql("update clusters set cordoned = :cordoned where org_id = :org and cluster_id = :id and deleted_at is null")
        .param("cordoned", cordoned).param("org", org).param("id", id).update() == 1;
  }

  boolean delete(String org, String id) {
    return jdbc.sql("update clusters set deleted_at = now(), connected = false where org_id = :org and cluster_id = :id and deleted_at is null")
        .param("org", org).param("id", id).update() == 1;
  }

  /**
   * The agent of cluster {@code id} was heard by router {@code routerId}: connected (it holds the
   * stream now) or disconnected. A router that lost a stream the cluster's agent has since opened on
   * another router changes nothing.
   */
  public void seen(String id, String routerId, boolean connected, String agentVersion, Capacity capacity) {
    jdbc.sql("""
        update clusters set connected = :connected, last_seen_at = now(),
               router_id = case when :connected then :router else router_id end,
               agent_version = coalesce(:version, agent_version), capacity_json = coalesce(:capacity, capacity_json)
         where cluster_id = :id and (:connected or router_id is null or router_id = :router)
        """).param("connected", connected).param("router", routerId).param("version", agentVersion)
        .param("capacity", capacity == null ? null : JSON.writeValueAsString(capacity)).param("id", id).update();
  }

  /** Clusters (deleted ones too: their attempts must fail over) not heard from since {@code before}. */
  public List<String> silentSince(Instant before) {
    return jdbc.sql("select cluster_id from clusters where last_seen_at < :before or (deleted_at is not null and last_seen_at is not null)")
        .param("before", Timestamp.from(before)).query(String.class).list();
  }

  private static ClusterRow row(ResultSet rs, int i) throws SQLException {
    String capacity = rs.getString("capacity_json");
    Timestamp lastSeen = rs.getTimestamp("last_seen_at");
    return new ClusterRow(rs.getString("cluster_id"), rs.getString("org_id"), rs.getString("name"), rs.getString("region"),
        JSON.readValue(rs.getString("labels_json"), new TypeReference<Map<String, String>>() {}), rs.getBoolean("cordoned"),
        rs.getTimestamp("created_at").toInstant(), rs.getString("agent_version"),
        capacity == null ? null : JSON.readValue(capacity, Capacity.class), lastSeen == null ? null : lastSeen.toInstant());
  }
}
