package dev.meridian.router.execution;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One workflow per execution; workflow id {@code execution/<org>/<execution-id>}. */
@WorkflowInterface
public interface ExecutionWorkflow {

  String TASK_QUEUE = "meridian-executions";

  /**
   * Runs the plan. {@code carried} is null when an execution starts, and what the previous run
   * handed over when the workflow continued as new (histories from before it pass only the plan).
   */
  @WorkflowMethod
  void run(Plan plan, Progress carried);

  /** An attempt this workflow dispatched has ended. Delivered at least once; duplicates are ignored. */
  @SignalMethod
  void attemptEnded(AttemptOutcome outcome);

  @SignalMethod
  void terminate(String reason);

  /** The admission request (an attempt id, or the execution id for the execution's own slot) was admitted. */
  @SignalMethod
  void admitted(String requestId);
}
