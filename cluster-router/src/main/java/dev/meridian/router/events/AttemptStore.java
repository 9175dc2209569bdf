package dev.meridian.router.events;

import dev.meridian.proto.events.v1.TaskEvent;
import dev.meridian.router.admission.AdmissionLedger;
import dev.meridian.proto.events.v1.TaskPhase;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Task attempts in the read model. Phases only move forward; each task event is applied at most
 * once (its id is remembered in the same transaction), and only if it comes from the cluster the
 * attempt was assigned to.
 */
@Repository
public class AttemptStore {

  /** What happened to one task event. */
  public sealed interface Applied {
    /** {@code released}: this event ended the attempt and freed its reservation. */
    record New(boolean released) implements Applied {}
    record Duplicate() implements Applied {}
    record Rejected(String reason) implements Applied {}
  }

  public record OpenAttempt(String org, String attemptId, String executionId, String nodeId, int attempt, String cluster) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final AdmissionLedger ledger;

  AttemptStore(JdbcClient jdbc, TransactionTemplate transactions, AdmissionLedger ledger) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.ledger = ledger;
  }

  static int rank(TaskPhase phase) {
    return switch (phase) {
      case TASK_PHASE_QUEUED -> 1;
      case TASK_PHASE_ASSIGNED -> 2;
      case TASK_PHASE_INITIALIZING -> 3;
      case TASK_PHASE_RUNNING -> 4;
      case TASK_PHASE_SUCCEEDED, TASK_PHASE_FAILED, TASK_PHASE_ABORTED, TASK_PHASE_LOST -> 5;
      default -> 0;
    };
  }

  static String name(TaskPhase phase) {
    return phase.name().substring("TASK_PHASE_".length());
  }

  /** The router handed the attempt to {@code cluster}: from now on only that cluster may report on it. */
  public void recordAssigned(String org, String attemptId, String executionId, String nodeId, int attempt, String cluster,
      String mapNode, Integer item) {
    jdbc.sql("""
        insert into attempts (org_id, attempt_id, execution_id, node_id, attempt, cluster, phase, phase_rank, map_node, item)
        values (:org, :attemptId, :executionId, :nodeId, :attempt, :cluster, 'ASSIGNED', 2, :mapNode, :item)
        on conflict (org_id, attempt_id) do update
          set cluster = excluded.cluster, updated_at = now()
          where attempts.phase_rank < 5
        """).param("org", org).param("attemptId", attemptId).param("executionId", executionId)
        .param("nodeId", nodeId).param("attempt", attempt).param("cluster", cluster)
        .param("mapNode", mapNode).param("item", item).update();
  }

  public Optional<String> clusterOf(String org, String attemptId) {
    return jdbc.sql("select cluster from attempts where org_id = :org and attempt_id = :id")
        .param("org", org).param("id", attemptId).query(String.class).optional();
  }

  /**
   * Clusters where attempts of the execution were placed: placement prefers them. Asked on every
   * dispatch, so it skips through the index one cluster at a time instead of reading every attempt
   * (a map of 100,000 items has as many).
   */
  public List<String> clustersOf(String org, String executionId) {
    return jdbc.sql("""
        with recursive placed(cluster) as (
          (select cluster from attempts where org_id = :org and execution_id = :id and cluster is not null order by cluster limit 1)
          union all
          select (select a.cluster from attempts a where a.org_id = :org and a.execution_id = :id and a.cluster > placed.cluster
                   order by a.cluster limit 1)
            from placed where placed.cluster is not null)
        select cluster from placed where cluster is not null
        """).param("org", org).param("id", executionId).query(String.class).list();
  }

  /** Of {@code attemptIds}, those still assigned to {@code cluster} and not ended. */
  public java.util.Set<String> openAmong(String cluster, java.util.Collection<String> attemptIds) {
    if (attemptIds.isEmpty()) {
      return java.util.Set.of();
    }
    return new java.util.HashSet<>(jdbc.sql("""
        select attempt_id from attempts where cluster = :cluster and phase_rank between 2 and 4 and attempt_id in (:ids)
        """).param("cluster", cluster).param("ids", attemptIds).query(String.class).list());
  }

  /** Attempts handed to {@code cluster} that have not ended. */
  public List<OpenAttempt> openOn(String cluster) {
    return jdbc.sql("""
        select org_id, attempt_id, execution_id, node_id, attempt, cluster from attempts
         where cluster = :cluster and phase_rank between 2 and 4
        """).param("cluster", cluster).query((rs, i) -> new OpenAttempt(rs.getString(1), rs.getString(2),
            rs.getString(3), rs.getString(4), rs.getInt(5), rs.getString(6))).list();
  }

  /** What an event is deduplicated by: its id within its org, cluster and attempt. */
  static String dedupeKey(TaskEvent event) {
    return event.getOrg() + "/" + event.getCluster() + "/" + event.getAttemptId() + "/" + event.getEventId();
  }

  /**
   * Applies an event whose signature verified under a key of {@code signer}: the cluster the attempt
   * is assigned to, or the router itself for the LOST events it declares.
   */
  public Applied apply(TaskEvent event, String signer) {
    boolean routerLoss = signer.equals(EventKeys.ROUTER) && event.getPhase() == TaskPhase.TASK_PHASE_LOST;
    if (!routerLoss && !signer.equals(event.getCluster())) {
      return new Applied.Rejected("event signed by cluster '" + signer + "' claims to come from '" + event.getCluster() + "'");
    }
    return transactions.execute(status -> {
      // Ownership first, for every event, duplicate or not: a cluster that does not run the attempt
      // learns nothing and changes nothing, whatever event id it picks.
      record Owner(String cluster, String phase, int rank) {}
      Optional<Owner> owner = jdbc.sql("select cluster, phase, phase_rank from attempts where org_id = :org and attempt_id = :id")
          .param("org", event.getOrg()).param("id", event.getAttemptId())
          .query((rs, i) -> new Owner(rs.getString(1), rs.getString(2), rs.getInt(3))).optional();
      if (owner.isEmpty() || owner.get().cluster() == null || !owner.get().cluster().equals(event.getCluster())) {
        return new Applied.Rejected("event from cluster '" + event.getCluster() + "' for an attempt assigned to "
            + owner.map(o -> "'" + o.cluster() + "'").orElse("no cluster"));
      }
      // The id is remembered per org, cluster and attempt, so no other sender's event can ever collide with it.
      int fresh = jdbc.sql("insert into applied_events (event_id) values (:id) on conflict do nothing")
          .param("id", dedupeKey(event)).update();
      if (fresh == 0) {
        return new Applied.Duplicate();
      }
      if (owner.get().rank() == 5 && !routerLoss) {
        status.setRollbackOnly();
        return new Applied.Rejected("late " + name(event.getPhase()) + " event for an attempt that already ended " + owner.get().phase());
      }
      Instant at = Instant.ofEpochSecond(event.getOccurredAt().getSeconds(), event.getOccurredAt().getNanos());
      int rank = rank(event.getPhase());
      jdbc.sql("""
          insert into attempts (org_id, attempt_id, execution_id, node_id, attempt, cluster, phase, phase_rank,
                                started_at, ended_at, exit_code, reason, logs_uri)
          values (:org, :attemptId, :executionId, :nodeId, :attempt, :cluster, :phase, :rank,
                  case when :rank >= 4 then cast(:at as timestamptz) end, case when :rank = 5 then cast(:at as timestamptz) end,
                  :exitCode, :reason, :logsUri)
          on conflict (org_id, attempt_id) do update set
            phase = excluded.phase,
            phase_rank = excluded.phase_rank,
            started_at = coalesce(attempts.started_at, excluded.started_at, case when excluded.phase_rank = 5 then excluded.ended_at end),
            ended_at = coalesce(attempts.ended_at, excluded.ended_at),
            exit_code = coalesce(excluded.exit_code, attempts.exit_code),
            reason = coalesce(excluded.reason, attempts.reason),
            logs_uri = coalesce(excluded.logs_uri, attempts.logs_uri),
            -- A map item's outputs wait here for the map to collect them; other nodes' travel in the workflow.
            outputs_json = case when attempts.map_node is not null and excluded.phase = 'SUCCEEDED' then cast(:outputs as text) end,
            updated_at = now()
          where attempts.phase_rank < excluded.phase_rank
          """).param("org", event.getOrg()).param("attemptId", event.getAttemptId())
          .param("executionId", event.getExecutionId()).param("nodeId", event.getNodeId())
          .param("attempt", event.getAttempt()).param("cluster", event.getCluster()).param("phase", name(event.getPhase()))
          .param("rank", rank).param("at", Timestamp.from(at))
          .param("exitCode", event.hasExitCode() ? event.getExitCode() : null)
          .param("reason", event.getReason().isBlank() ? null : event.getReason())
          .param("logsUri", event.getLogsUri().isBlank() ? null : event.getLogsUri())
          .param("outputs", event.getOutputsJson().isBlank() ? null : event.getOutputsJson()).update();
      // The attempt ended: its reservation goes back in the same transaction that records the end, exactly once.
      boolean released = rank == 5 && ledger.release(event.getOrg(), event.getAttemptId());
      return new Applied.New(released);
    });
  }
}
