package dev.meridian.router.execution;

import dev.meridian.workflow.Phase;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The execution read model: executions, their nodes and attempts. Every method takes the org. */
@Repository
public class ExecutionStore {

  public record ExecutionRow(String org, String id, String project, String domain, String workflowName,
      String workflowVersion, String phase, String inputsJson, String outputsJson, String errorCode,
      String errorMessage, String errorNode, String requestHash, Instant createdAt, Instant startedAt, Instant endedAt,
      String problem) {}

  /** {@code items}: set on a map node once it started; {@code failedItems} the items that failed for good. */
  public record NodeRow(String nodeId, String phase, String reason, Integer items, List<Integer> failedItems) {}

  /** A map node's items: how many have attempts, by their latest attempt's phase. */
  record ItemCounts(Map<String, Integer> byPhase, int started) {}

  /** What {@link #collectMapOutputs} found. */
  sealed interface Collected {
    record Outputs(String json) implements Collected {}
    record TooLarge() implements Collected {}
  }

  public record AttemptRow(String attemptId, String nodeId, int attempt, String cluster, String phase, Instant startedAt,
      Instant endedAt, Integer exitCode, String reason, String logsUri, Instant reservedFrom, Instant reservedUntil) {}

  private static final String EXECUTION_COLUMNS = """
      org_id, execution_id, project, domain, workflow_name, workflow_version, phase, inputs_json, outputs_json,
      error_code, error_message, error_node, request_hash, created_at, started_at, ended_at, problem
      """;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final JdbcClient jdbc;

  ExecutionStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  void insertExecution(String org, String id, String project, String domain, String workflowName, String workflowVersion,
      String launchPlan, String inputsJson, String idempotencyKey, String requestHash, List<String> nodeIds) {
    jdbc.sql("""
        insert into executions (org_id, execution_id, project, domain, workflow_name, workflow_version, launch_plan,
                                phase, inputs_json, idempotency_key, request_hash)
        values (:org, :id, :project, :domain, :wf, :wfv, :lp, 'QUEUED', :inputs, :key, :hash)
        """).param("org", org).param("id", id).param("project", project).param("domain", domain)
        .param("wf", workflowName).param("wfv", workflowVersion).param("lp", launchPlan).param("inputs", inputsJson)
        .param("key", idempotencyKey).param("hash", requestHash).update();
    // One statement for all nodes: a 2,000-node launch is one round trip, not 2,000.
    jdbc.sql("""
        insert into nodes (org_id, execution_id, node_id, position, phase)
        select :org, :id, node, position - 1, 'QUEUED' from unnest(cast(:nodes as text[])) with ordinality as t(node, position)
        """).param("org", org).param("id", id).param("nodes", nodeIds.toArray(String[]::new)).update();
  }

  Optional<ExecutionRow> findByIdempotencyKey(String org, String key) {
    return jdbc.sql("select " + EXECUTION_COLUMNS + " from executions where org_id = :org and idempotency_key = :key")
        .param("org", org).param("key", key).query(ExecutionStore::execution).optional();
  }

  public Optional<ExecutionRow> find(String org, String project, String domain, String id) {
    return jdbc.sql("select " + EXECUTION_COLUMNS
            + " from executions where org_id = :org and project = :project and domain = :domain and execution_id = :id")
        .param("org", org).param("project", project).param("domain", domain).param("id", id)
        .query(ExecutionStore::execution).optional();
  }

  /** Newest first; {@code after} is the last row of the previous page. */
  List<ExecutionRow> list(String org, String project, String domain, String phase, Instant afterCreatedAt, String afterId, int limit) {
    return jdbc.sql("select " + EXECUTION_COLUMNS + """
         from executions
        where org_id = :org and project = :project and domain = :domain
          and (cast(:phase as text) is null or phase = :phase)
          and (cast(:afterCreated as timestamptz) is null or (created_at, execution_id) < (:afterCreated, :afterId))
        order by created_at desc, execution_id desc
        limit :limit
        """).param("org", org).param("project", project).param("domain", domain).param("phase", phase)
        .param("afterCreated", afterCreatedAt == null ? null : Timestamp.from(afterCreatedAt))
        .param("afterId", afterId).param("limit", limit)
        .query(ExecutionStore::execution).list();
  }

  /** Executions not yet ended, across orgs: for start-up reconciliation only. */
  /** Unfinished executions still QUEUED since before {@code createdBefore}, oldest first. */
  List<ExecutionRow> queuedSince(Instant createdBefore, int limit) {
    return jdbc.sql("select " + EXECUTION_COLUMNS
            + " from executions where ended_at is null and phase = 'QUEUED' and created_at < :before order by created_at limit :limit")
        .param("before", java.sql.Timestamp.from(createdBefore)).param("limit", limit).query(ExecutionStore::execution).list();
  }

  /** Records (or, with null, clears) what keeps the engine from making progress with an unfinished execution. */
  void problem(String org, String executionId, String problem) {
    jdbc.sql("update executions set problem = :problem where org_id = :org and execution_id = :id and ended_at is null")
        .param("problem", problem).param("org", org).param("id", executionId).update();
  }

  List<ExecutionRow> unfinished() {
    return jdbc.sql("select " + EXECUTION_COLUMNS + " from executions where ended_at is null").query(ExecutionStore::execution).list();
  }

  List<NodeRow> nodes(String org, String executionId) {
    return jdbc.sql("""
        select node_id, phase, reason, items, failed_items from nodes where org_id = :org and execution_id = :id order by position
        """).param("org", org).param("id", executionId).query(ExecutionStore::node).list();
  }

  Optional<NodeRow> node(String org, String executionId, String nodeId) {
    return jdbc.sql("""
        select node_id, phase, reason, items, failed_items from nodes where org_id = :org and execution_id = :id and node_id = :node
        """).param("org", org).param("id", executionId).param("node", nodeId).query(ExecutionStore::node).optional();
  }

  private static NodeRow node(ResultSet rs, int row) throws SQLException {
    Integer[] failed = (Integer[]) rs.getArray(5).getArray();
    return new NodeRow(rs.getString(1), rs.getString(2), rs.getString(3), (Integer) rs.getObject(4), List.of(failed));
  }

  private static final String ATTEMPT_COLUMNS = "attempt_id, node_id, attempt, cluster, phase, started_at, ended_at, exit_code, reason, logs_uri, reserved_from, reserved_until";

  /** The attempts of the execution's nodes; a map node's items have their own query. */
  List<AttemptRow> attempts(String org, String executionId) {
    return jdbc.sql("select " + ATTEMPT_COLUMNS + """
          from attempts where org_id = :org and execution_id = :id and map_node is null order by node_id, attempt
        """).param("org", org).param("id", executionId).query(ExecutionStore::attempt).list();
  }

  /** The attempts of items {@code from} to {@code to} (exclusive) of a map node, by item, then attempt. */
  List<AttemptRow> itemAttempts(String org, String executionId, String mapNode, int from, int to) {
    return jdbc.sql("select " + ATTEMPT_COLUMNS + """
          from attempts where org_id = :org and execution_id = :id and map_node = :node and item >= :from and item < :to
         order by item, attempt
        """).param("org", org).param("id", executionId).param("node", mapNode).param("from", from).param("to", to)
        .query(ExecutionStore::attempt).list();
  }

  /** Per map node of the execution: its items by the phase of their latest attempt. */
  Map<String, ItemCounts> itemCounts(String org, String executionId) {
    Map<String, Map<String, Integer>> byPhase = new java.util.TreeMap<>();
    jdbc.sql("""
        select map_node, phase, count(*) from (
          select distinct on (map_node, item) map_node, phase from attempts
           where org_id = :org and execution_id = :id and map_node is not null
           order by map_node, item, attempt desc) latest
         group by map_node, phase
        """).param("org", org).param("id", executionId).query(rs -> {
          byPhase.computeIfAbsent(rs.getString(1), node -> new java.util.TreeMap<>()).put(rs.getString(2), rs.getInt(3));
        });
    Map<String, ItemCounts> counts = new java.util.TreeMap<>();
    byPhase.forEach((node, phases) -> counts.put(node,
        new ItemCounts(phases, phases.values().stream().mapToInt(Integer::intValue).sum())));
    return counts;
  }

  void mapStarted(String org, String executionId, String nodeId, int items) {
    jdbc.sql("""
        update nodes set phase = 'RUNNING', reason = null, items = :items where org_id = :org and execution_id = :id and node_id = :node
        """).param("items", items).param("org", org).param("id", executionId).param("node", nodeId).update();
  }

  void mapItemFailed(String org, String executionId, String nodeId, int item) {
    jdbc.sql("""
        update nodes set failed_items = array_append(failed_items, :item)
         where org_id = :org and execution_id = :id and node_id = :node and not (:item = any(failed_items))
        """).param("item", item).param("org", org).param("id", executionId).param("node", nodeId).update();
  }

  /**
   * The map node's outputs collected in item order: {@code {"out": [v0, null, v2]}}, each value from
   * the item's latest succeeded attempt. Streams the rows, and stops once the JSON passes {@code maxBytes}.
   */
  Collected collectMapOutputs(String org, String executionId, String nodeId, int items, List<String> outputNames, int maxBytes) {
    List<StringBuilder> collections = outputNames.stream().map(name -> new StringBuilder()).toList();
    int[] next = {0};
    long[] size = {0};
    boolean[] tooLarge = {false};
    jdbc.sql("""
        select distinct on (item) item, outputs_json from attempts
         where org_id = :org and execution_id = :id and map_node = :node and phase = 'SUCCEEDED'
         order by item, attempt desc
        """).param("org", org).param("id", executionId).param("node", nodeId).query(rs -> {
          if (tooLarge[0]) {
            return;
          }
          int item = rs.getInt(1);
          if (item >= items) {
            return;
          }
          JsonNode outputs = JSON.readTree(rs.getString(2) == null ? "{}" : rs.getString(2));
          for (int i = 0; i < outputNames.size(); i++) {
            StringBuilder collection = collections.get(i);
            for (int missing = next[0]; missing < item; missing++) {
              size[0] += append(collection, "null");
            }
            JsonNode value = outputs.get(outputNames.get(i));
            size[0] += append(collection, value == null ? "null" : JSON.writeValueAsString(value));
          }
          next[0] = item + 1;
          tooLarge[0] = size[0] > maxBytes;
        });
    if (tooLarge[0]) {
      return new Collected.TooLarge();
    }
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < outputNames.size(); i++) {
      StringBuilder collection = collections.get(i);
      for (int missing = next[0]; missing < items; missing++) {
        append(collection, "null");
      }
      json.append(i == 0 ? "" : ",").append(JSON.writeValueAsString(outputNames.get(i))).append(":[").append(collection).append(']');
    }
    String collected = json.append('}').toString();
    return collected.length() > maxBytes ? new Collected.TooLarge() : new Collected.Outputs(collected);
  }

  private static int append(StringBuilder collection, String value) {
    if (!collection.isEmpty()) {
      collection.append(',');
    }
    collection.append(value);
    return value.length() + 1;
  }

  private static AttemptRow attempt(ResultSet rs, int row) throws SQLException {
    return new AttemptRow(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5), instant(rs, 6),
        instant(rs, 7), (Integer) rs.getObject(8), rs.getString(9), rs.getString(10), instant(rs, 11), instant(rs, 12));
  }

  /** False when the execution row does not exist (yet): its creating transaction has not committed. */
  boolean exists(String org, String executionId) {
    return jdbc.sql("select 1 from executions where org_id = :org and execution_id = :id")
        .param("org", org).param("id", executionId).query(Integer.class).optional().isPresent();
  }

  /** QUEUED becomes RUNNING: its first attempt reached a cluster. True only for the call that changed it. */
  boolean markStarted(String org, String executionId) {
    return jdbc.sql("""
        update executions set phase = 'RUNNING', started_at = coalesce(started_at, now())
         where org_id = :org and execution_id = :id and phase = 'QUEUED'
        """).param("org", org).param("id", executionId).update() == 1;
  }

  /** Serialises launches of one org that check its queued-execution limit, until the transaction ends. */
  void lockQueue(String org) {
    jdbc.sql("select pg_advisory_xact_lock(hashtext('queue/' || :org))").param("org", org).query((rs, i) -> 1).single();
  }

  /** How many executions of the org (of one project, if given) wait to start. */
  int countQueued(String org, String project) {
    return jdbc.sql("""
        select count(*) from executions where org_id = :org and phase = 'QUEUED' and (cast(:project as text) is null or project = :project)
        """).param("org", org).param("project", project).query(Integer.class).single();
  }

  /** Executions of the org that have started and not ended; and those still queued. Per project. */
  record Counts(int running, int queued) {}

  java.util.Map<String, Counts> countsByProject(String org) {
    java.util.Map<String, Counts> counts = new java.util.HashMap<>();
    jdbc.sql("""
        select project, count(*) filter (where phase = 'QUEUED'), count(*) filter (where phase <> 'QUEUED')
          from executions where org_id = :org and ended_at is null group by project
        """).param("org", org).query(rs -> {
          counts.put(rs.getString(1), new Counts(rs.getInt(3), rs.getInt(2)));
        });
    return counts;
  }

  void updateNode(String org, String executionId, String nodeId, Phase phase, String reason) {
    jdbc.sql("update nodes set phase = :phase, reason = :reason where org_id = :org and execution_id = :id and node_id = :node")
        .param("phase", phase.name()).param("reason", reason).param("org", org).param("id", executionId).param("node", nodeId).update();
  }

  /** True when the execution ended straight from QUEUED (it never started): it left the queue now. */
  boolean end(String org, String executionId, Phase phase, String outputsJson, String errorCode, String errorMessage, String errorNode) {
    return jdbc.sql("""
        with before as (select phase from executions where org_id = :org and execution_id = :id and ended_at is null for update)
        update executions set phase = :phase, outputs_json = :outputs, error_code = :code, error_message = :message,
                              error_node = :node, ended_at = coalesce(ended_at, now())
         where org_id = :org and execution_id = :id
        returning coalesce((select phase from before) = 'QUEUED', false)
        """).param("phase", phase.name()).param("outputs", outputsJson).param("code", errorCode).param("message", errorMessage)
        .param("node", errorNode).param("org", org).param("id", executionId).query(Boolean.class).optional().orElse(false);
  }

  private static ExecutionRow execution(ResultSet rs, int row) throws SQLException {
    return new ExecutionRow(rs.getString("org_id"), rs.getString("execution_id"), rs.getString("project"),
        rs.getString("domain"), rs.getString("workflow_name"), rs.getString("workflow_version"), rs.getString("phase"),
        rs.getString("inputs_json"), rs.getString("outputs_json"), rs.getString("error_code"), rs.getString("error_message"),
        rs.getString("error_node"), rs.getString("request_hash"), rs.getTimestamp("created_at").toInstant(),
        instant(rs, "started_at"), instant(rs, "ended_at"), rs.getString("problem"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp timestamp = rs.getTimestamp(column);
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    Timestamp timestamp = rs.getTimestamp(column);
    return timestamp == null ? null : timestamp.toInstant();
  }
}
