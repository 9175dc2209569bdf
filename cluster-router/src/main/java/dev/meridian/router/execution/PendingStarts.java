package dev.meridian.router.execution;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.DataConverter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The launch's outbox (ADR 0008): an accepted execution's plan waits here until its workflow has
 * started. A launch records it in the transaction that creates the execution and starts the workflow
 * after the commit, so no lock or transaction spans the call to Temporal; the sweeper starts
 * whatever a crash or an unreachable Temporal left behind. Starting twice is harmless.
 */
@Component
class PendingStarts {

  private static final Logger log = LoggerFactory.getLogger(PendingStarts.class);
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  /** A launch normally starts its own workflow within milliseconds; the sweeper leaves younger rows to it. */
  static final Duration GRACE = Duration.ofSeconds(5);

  private final JdbcClient jdbc;
  private final WorkflowClient temporal;
  private final Clock clock;

  PendingStarts(JdbcClient jdbc, WorkflowClient temporal, Clock clock) {
    this.jdbc = jdbc;
    this.temporal = temporal;
    this.clock = clock;
  }

  /** Inside the launch's transaction. */
  void record(Plan plan) {
    Payload payload = CONVERTER.toPayload(plan).orElseThrow();
    jdbc.sql("insert into execution_starts (org_id, execution_id, plan, created_at) values (:org, :id, :plan, :now)")
        .param("org", plan.org()).param("id", plan.executionId()).param("plan", payload.toByteArray())
        .param("now", java.sql.Timestamp.from(clock.instant())).update();
  }

  /** Starts the execution's workflow now if its start is still pending: a client retrying a launch need not wait for the sweeper. */
  void startIfPending(String org, String executionId) {
    jdbc.sql("select plan from execution_starts where org_id = :org and execution_id = :id")
        .param("org", org).param("id", executionId).query((rs, row) -> plan(rs.getBytes(1))).optional().ifPresent(this::start);
  }

  /**
   * Starts the execution's workflow (once, however often called) and forgets the pending start.
   * False, and the start stays pending for the sweeper, if Temporal cannot be reached.
   */
  boolean start(Plan plan) {
    ExecutionWorkflow workflow = temporal.newWorkflowStub(ExecutionWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(plan.workflowId())
        .setTaskQueue(ExecutionWorkflow.TASK_QUEUE)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .build());
    try {
      WorkflowClient.start(workflow::run, plan, null);
    } catch (WorkflowExecutionAlreadyStarted alreadyStarted) {
      log.debug("workflow {} was already started", plan.workflowId());
    } catch (RuntimeException unreachable) {
      log.warn("cannot start the workflow of execution {} of org {} now ({}); it stays pending", plan.executionId(), plan.org(),
          unreachable.getMessage());
      return false;
    }
    jdbc.sql("delete from execution_starts where org_id = :org and execution_id = :id")
        .param("org", plan.org()).param("id", plan.executionId()).update();
    return true;
  }

  /** Starts what launches accepted but did not start: the router died between commit and start, or Temporal was down. */
  @Scheduled(fixedDelayString = "${meridian.router.pending-starts-sweep:5s}")
  void sweep() {
    List<Plan> pending = jdbc.sql("select plan from execution_starts where created_at < :before order by created_at limit 500")
        .param("before", java.sql.Timestamp.from(clock.instant().minus(GRACE)))
        .query((rs, row) -> plan(rs.getBytes(1))).list();
    int started = 0;
    for (Plan plan : pending) {
      if (!start(plan)) {
        break;
      }
      started++;
    }
    if (started > 0) {
      log.info("started {} accepted executions whose workflow had not been started", started);
    }
  }

  private static Plan plan(byte[] bytes) {
    try {
      return CONVERTER.fromPayload(Payload.parseFrom(bytes), Plan.class, Plan.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("a pending start is not a plan this router wrote", e);
    }
  }
}
