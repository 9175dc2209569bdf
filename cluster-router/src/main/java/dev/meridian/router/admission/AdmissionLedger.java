package dev.meridian.router.admission;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The durable queue and reservations of admission, in the router's schema. Every write is keyed by
 * request id, so a repeated call changes nothing; only {@link #release} and {@link #releaseExecution}
 * free a reservation, and a row can be deleted only once.
 */
@Repository
public class AdmissionLedger {

  public enum Kind { TASK, EXECUTION }

  /** One request for admission: a task attempt's resources, or an execution's slot. */
  public record Entry(String org, String requestId, Kind kind, String project, String executionId, String nodeId,
      int priority, Instant readyAt, String gpuType, int gpus, long milliCpu, long memoryMiB) {

    Map<String, Long> demand() {
      if (kind == Kind.EXECUTION) {
        return Resources.execution();
      }
      Map<String, Long> demand = new HashMap<>();
      demand.put(Resources.CPU, milliCpu);
      demand.put(Resources.MEMORY, memoryMiB);
      if (gpus > 0) {
        demand.put(Resources.GPU_PREFIX + gpuType, (long) gpus);
      }
      return demand;
    }
  }

  /** A request that was admitted and whose workflow may not have heard of it yet. */
  public record Admitted(String org, String requestId, String executionId) {}

  /** Where a waiting node of an execution stands. */
  public record Waiting(String nodeId, String reason, int position) {}

  private static final String COLUMNS = """
      org_id, request_id, kind, project, execution_id, node_id, priority, ready_at, gpu_type, gpus, milli_cpu, memory_mib
      """;

  private final JdbcClient jdbc;

  public AdmissionLedger(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Queues the request unless it is already queued or admitted; returns whether it is admitted. */
  boolean enqueue(Entry entry, String reason) {
    jdbc.sql("insert into admissions (" + COLUMNS + """
        , executions, state, reason)
        values (:org, :id, :kind, :project, :execution, :node, :priority, :readyAt, :gpuType, :gpus, :cpu, :memory,
                :executions, 'QUEUED', :reason)
        on conflict (org_id, request_id) do nothing
        """).param("org", entry.org()).param("id", entry.requestId()).param("kind", entry.kind().name())
        .param("project", entry.project()).param("execution", entry.executionId()).param("node", entry.nodeId())
        .param("priority", entry.priority()).param("readyAt", Timestamp.from(entry.readyAt())).param("gpuType", entry.gpuType())
        .param("gpus", entry.gpus()).param("cpu", entry.milliCpu()).param("memory", entry.memoryMiB())
        .param("executions", entry.kind() == Kind.EXECUTION ? 1 : 0).param("reason", reason).update();
    return isAdmitted(entry.org(), entry.requestId());
  }

  boolean isAdmitted(String org, String requestId) {
    return jdbc.sql("select state from admissions where org_id = :org and request_id = :id").param("org", org).param("id", requestId)
        .query(String.class).optional().map("ADMITTED"::equals).orElse(false);
  }

  /**
   * Frees the reservation (or leaves the queue). True only for the one call that deleted the row.
   * A task's reservation is metered in the same statement: see {@link #RELEASE}.
   */
  public boolean release(String org, String requestId) {
    return jdbc.sql(RELEASE.formatted("org_id = :org and request_id = :id")).param("org", org).param("id", requestId)
        .query(Integer.class).single() == 1;
  }

  /** Frees everything the execution holds or waits for: it ended. Returns how many rows went. */
  public int releaseExecution(String org, String executionId) {
    return jdbc.sql(RELEASE.formatted("org_id = :org and execution_id = :id")).param("org", org).param("id", executionId)
        .query(Integer.class).single();
  }

  /**
   * Deletes the rows the condition names and, for every admitted task among them, writes the usage
   * record of its last interval (from admission, or the last hourly cut, to now) and the reserved
   * interval on the attempt, all in one statement: a reservation is released and metered together
   * or not at all, whichever caller releases it. Answers how many rows were deleted.
   */
  private static final String RELEASE = """
      with gone as (delete from admissions where %s returning *),
      metered as (
        insert into usage_records (record_id, org_id, project, domain, execution_id, node_id, attempt_id, cluster, gpu_type, gpus,
                                   milli_cpu, memory_mib, started_at, ended_at, final)
        select g.org_id || '/' || g.request_id || '@' || floor(extract(epoch from coalesce(g.metered_until, g.admitted_at)) * 1000000)::bigint,
               g.org_id, g.project, coalesce(e.domain, ''), g.execution_id, g.node_id, g.request_id, a.cluster, g.gpu_type, g.gpus,
               g.milli_cpu, g.memory_mib, coalesce(g.metered_until, g.admitted_at), now(), true
          from gone g
          left join executions e on e.org_id = g.org_id and e.execution_id = g.execution_id
          left join attempts a on a.org_id = g.org_id and a.attempt_id = g.request_id
         where g.kind = 'TASK' and g.state = 'ADMITTED' and coalesce(g.metered_until, g.admitted_at) < now()
        on conflict (record_id) do nothing
        returning 1),
      reserved as (
        update attempts set reserved_from = g.admitted_at, reserved_until = now()
          from gone g
         where attempts.org_id = g.org_id and attempts.attempt_id = g.request_id and g.kind = 'TASK' and g.state = 'ADMITTED'
        returning 1)
      select count(*)::int from gone
      """;

  /** Serialises admission decisions of one org across threads and router instances, until the transaction ends. */
  void lock(String org) {
    jdbc.sql("select pg_advisory_xact_lock(hashtext('admission/' || :org))").param("org", org).query((rs, i) -> 1).single();
  }

  /** What each project of the org has reserved. */
  Map<String, Map<String, Long>> usage(String org) {
    Map<String, Map<String, Long>> usage = new HashMap<>();
    jdbc.sql("""
        select project, gpu_type, sum(gpus), sum(milli_cpu), sum(memory_mib), sum(executions)
          from admissions where org_id = :org and state = 'ADMITTED' group by project, gpu_type
        """).param("org", org).query(rs -> {
          Map<String, Long> amounts = usage.computeIfAbsent(rs.getString(1), p -> new HashMap<>());
          if (rs.getString(2) != null && rs.getLong(3) > 0) {
            amounts.merge(Resources.GPU_PREFIX + rs.getString(2), rs.getLong(3), Long::sum);
          }
          amounts.merge(Resources.CPU, rs.getLong(4), Long::sum);
          amounts.merge(Resources.MEMORY, rs.getLong(5), Long::sum);
          amounts.merge(Resources.EXECUTIONS, rs.getLong(6), Long::sum);
        });
    return usage;
  }

  /**
   * The first {@code perProject} queued requests of every project of the org, in queue order. The
   * distinct projects are found by skipping through the index (a loose index scan), so a queue of
   * 100,000 tasks costs as much as one of a few hundred.
   */
  List<Entry> heads(String org, int perProject) {
    return jdbc.sql("""
        with recursive projects(project) as (
          (select project from admissions where org_id = :org and state = 'QUEUED' order by project limit 1)
          union all
          select (select a.project from admissions a where a.org_id = :org and a.state = 'QUEUED' and a.project > p.project
                   order by a.project limit 1)
            from projects p where p.project is not null
        )
        select h.* from projects p cross join lateral (
          select\s""" + COLUMNS + """
            from admissions a where a.org_id = :org and a.state = 'QUEUED' and a.project = p.project
           order by a.priority desc, a.ready_at, a.request_id limit :limit) h
         where p.project is not null
        """).param("org", org).param("limit", perProject).query((rs, i) -> new Entry(rs.getString(1), rs.getString(2),
            Kind.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7),
            rs.getTimestamp(8).toInstant(), rs.getString(9), rs.getInt(10), rs.getLong(11), rs.getLong(12))).list();
  }

  void admit(String org, Collection<String> requestIds) {
    if (!requestIds.isEmpty()) {
      jdbc.sql("update admissions set state = 'ADMITTED', admitted_at = now(), reason = null where org_id = :org and request_id in (:ids)")
          .param("org", org).param("ids", requestIds).update();
    }
  }

  /** Records why each request still waits, writing only what changed. */
  void explain(String org, Map<String, String> reasons) {
    if (reasons.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>(reasons.keySet());
    List<String> texts = ids.stream().map(reasons::get).toList();
    jdbc.sql("""
        update admissions a set reason = r.reason
          from unnest(cast(:ids as text[]), cast(:reasons as text[])) as r(request_id, reason)
         where a.org_id = :org and a.request_id = r.request_id and a.state = 'QUEUED' and a.reason is distinct from r.reason
        """).param("org", org).param("ids", ids.toArray(String[]::new)).param("reasons", texts.toArray(String[]::new)).update();
  }

  /** How many requests wait in each org's queue. */
  Map<String, Integer> queueDepths() {
    Map<String, Integer> depths = new HashMap<>();
    jdbc.sql("select org_id, count(*) from admissions where state = 'QUEUED' group by org_id")
        .query(rs -> {
          depths.put(rs.getString(1), rs.getInt(2));
        });
    return depths;
  }

  /** Admitted tasks not yet handed to a cluster, and admitted executions still queued: their workflows may still be waiting. */
  List<Admitted> admittedNotStarted() {
    return jdbc.sql("""
        select a.org_id, a.request_id, a.execution_id from admissions a
         where a.state = 'ADMITTED'
           and ((a.kind = 'TASK' and not exists (select 1 from attempts t where t.org_id = a.org_id and t.attempt_id = a.request_id))
             or (a.kind = 'EXECUTION' and exists (select 1 from executions e where e.org_id = a.org_id
                                                    and e.execution_id = a.execution_id and e.phase = 'QUEUED')))
        """).query((rs, i) -> new Admitted(rs.getString(1), rs.getString(2), rs.getString(3))).list();
  }

  /** The execution's nodes that wait for quota: why, and their place in the org's queue by priority and age. */
  public List<Waiting> waiting(String org, String executionId) {
    return jdbc.sql("""
        select a.node_id, a.reason,
               (select count(*) from admissions b where b.org_id = a.org_id and b.state = 'QUEUED'
                  and (b.priority > a.priority or (b.priority = a.priority and (b.ready_at, b.request_id) < (a.ready_at, a.request_id)))) + 1
          from admissions a where a.org_id = :org and a.execution_id = :id and a.state = 'QUEUED' and a.kind = 'TASK'
        """).param("org", org).param("id", executionId)
        .query((rs, i) -> new Waiting(rs.getString(1), rs.getString(2), rs.getInt(3))).list();
  }

  /** Reserved amounts and queue lengths of the org, per project. */
  public record ProjectTotals(Map<String, Long> gpus, long milliCpu, long memoryMiB, int queuedTasks) {}

  public Map<String, ProjectTotals> totals(String org) {
    Map<String, Map<String, Long>> gpus = new HashMap<>();
    Map<String, long[]> sums = new HashMap<>();
    jdbc.sql("""
        select project, gpu_type, sum(gpus) filter (where state = 'ADMITTED'), sum(milli_cpu) filter (where state = 'ADMITTED'),
               sum(memory_mib) filter (where state = 'ADMITTED'), count(*) filter (where state = 'QUEUED' and kind = 'TASK')
          from admissions where org_id = :org group by project, gpu_type
        """).param("org", org).query(rs -> {
          long[] sum = sums.computeIfAbsent(rs.getString(1), p -> new long[3]);
          gpus.computeIfAbsent(rs.getString(1), p -> new HashMap<>());
          if (rs.getString(2) != null && rs.getLong(3) > 0) {
            gpus.get(rs.getString(1)).merge(rs.getString(2), rs.getLong(3), Long::sum);
          }
          sum[0] += rs.getLong(4);
          sum[1] += rs.getLong(5);
          sum[2] += rs.getLong(6);
        });
    Map<String, ProjectTotals> totals = new HashMap<>();
    sums.forEach((project, sum) -> totals.put(project, new ProjectTotals(gpus.get(project), sum[0], sum[1], (int) sum[2])));
    return totals;
  }
}
