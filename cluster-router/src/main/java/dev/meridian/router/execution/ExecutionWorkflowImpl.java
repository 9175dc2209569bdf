package dev.meridian.router.execution;

import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks the DAG: starts every ready node up to {@code maxParallelism}, passes outputs downstream,
 * retries failed attempts per the task's policy, retries lost ones as system retries, and ends the
 * execution with its outputs or the first failure. New executions run on {@link ExecutionLoop};
 * executions started before it finish on {@link ThreadPerNodeExecution}.
 */
public class ExecutionWorkflowImpl implements ExecutionWorkflow {

  /** Attempts lost with their cluster are retried this often on top of the task's own retries. */
  static final int SYSTEM_RETRIES = 3;
  /** How long past its timeout a task may stay silent before the workflow gives up on it. */
  static final Duration SILENCE_GRACE = Duration.ofMinutes(2);
  /**
   * How long a workflow waits for its admission signal before asking the ledger itself. Signals are
   * durable once sent; this covers one lost between the admission's commit and the send.
   */
  static final Duration ADMISSION_RECHECK = Duration.ofMinutes(5);

  private static final RetryOptions FOREVER = RetryOptions.newBuilder()
      .setInitialInterval(Duration.ofMillis(500))
      .setBackoffCoefficient(1.5)
      .setMaximumInterval(Duration.ofSeconds(5))
      .build();

  /**
   * Work that needs a cluster's agent (dispatch and cancel run where the agent's stream is), and
   * admission requests, which may wait up to two seconds for a ledger pass. A dispatch takes the
   * agent's acknowledgement (10 s at most) plus placement; a router that dies in the middle delays
   * the retry by the rest of this timeout.
   */
  private final ExecutionActivities remote = Workflow.newActivityStub(ExecutionActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(15))
          .setRetryOptions(FOREVER.toBuilder().setDoNotRetry(ExecutionActivities.UNPLACEABLE).build()).build());
  /**
   * Read-model and ledger writes: local activities, one marker event each instead of three events
   * and a round trip through Temporal's task queue. Only quick ones: a local activity holds its
   * workflow task, and one that times out is replayed with all its local activities run again —
   * so a request for admission, which may wait for a ledger pass, stays a {@link #remote} activity.
   * A local activity without a schedule-to-close timeout (or a maximum of attempts) is never
   * retried, whatever its retry options say.
   */
  private final ExecutionActivities local = Workflow.newLocalActivityStub(ExecutionActivities.class,
      LocalActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).setScheduleToCloseTimeout(Duration.ofDays(7))
          .setRetryOptions(FOREVER).build());

  private ExecutionEngine engine;
  /** Signals that arrive before {@link #run} chose the engine. */
  private final List<Consumer<ExecutionEngine>> early = new ArrayList<>();

  @Override
  public void run(Plan plan, Progress carried) {
    if (carried == null && Workflow.getVersion("event-loop", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      ThreadPerNodeExecution legacy = new ThreadPerNodeExecution(remote);
      use(legacy);
      legacy.run(plan);
      return;
    }
    ExecutionLoop loop = new ExecutionLoop(plan, remote, local, carried);
    use(loop);
    loop.run(carried);
  }

  private void use(ExecutionEngine chosen) {
    engine = chosen;
    early.forEach(signal -> signal.accept(chosen));
    early.clear();
  }

  @Override
  public void attemptEnded(AttemptOutcome outcome) {
    deliver(engine -> engine.attemptEnded(outcome));
  }

  @Override
  public void admitted(String requestId) {
    deliver(engine -> engine.admitted(requestId));
  }

  @Override
  public void terminate(String reason) {
    String because = reason == null || reason.isBlank() ? "terminated by user" : reason;
    deliver(engine -> engine.terminate(because));
  }

  private void deliver(Consumer<ExecutionEngine> signal) {
    if (engine == null) {
      early.add(signal);
    } else {
      signal.accept(engine);
    }
  }
}
