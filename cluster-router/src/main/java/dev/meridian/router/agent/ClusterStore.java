package dev.meridian.router.agent;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** When each cluster's agent was last heard from; survives a router restart. */
@Repository
class ClusterStore {

  private final JdbcClient jdbc;

  ClusterStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  void seen(String cluster, String org, boolean connected) {
    jdbc.sql("""
        insert into clusters (cluster, org_id, connected, last_seen_at) values (:cluster, :org, :connected, now())
        on conflict (cluster) do update set org_id = excluded.org_id, connected = excluded.connected, last_seen_at = now()
        """).param("cluster", cluster).param("org", org).param("connected", connected).update();
  }

  /** Clusters not heard from since {@code before}. */
  List<String> silentSince(Instant before) {
    return jdbc.sql("select cluster from clusters where last_seen_at < :before")
        .param("before", Timestamp.from(before)).query(String.class).list();
  }
}
