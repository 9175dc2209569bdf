package dev.meridian.router.execution;

import dev.meridian.proto.events.v1.TaskEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Turns terminal task events into {@link ExecutionWorkflow#attemptEnded} signals. */
@Component
public class AttemptOutcomes {

  private static final Logger log = LoggerFactory.getLogger(AttemptOutcomes.class);

  private final WorkflowClient temporal;

  AttemptOutcomes(WorkflowClient temporal) {
    this.temporal = temporal;
  }

  public void deliver(TaskEvent event) {
    AttemptOutcome.Kind kind = switch (event.getPhase()) {
      case TASK_PHASE_SUCCEEDED -> AttemptOutcome.Kind.SUCCEEDED;
      case TASK_PHASE_FAILED -> AttemptOutcome.Kind.FAILED;
      case TASK_PHASE_ABORTED -> AttemptOutcome.Kind.ABORTED;
      case TASK_PHASE_LOST -> AttemptOutcome.Kind.LOST;
      default -> null;
    };
    if (kind == null) {
      return;
    }
    var outcome = new AttemptOutcome(event.getAttemptId(), kind,
        event.getOutputsJson().isBlank() ? null : event.getOutputsJson(),
        event.hasExitCode() ? event.getExitCode() : null, event.getReason(), event.getLogTailList());
    try {
      temporal.newWorkflowStub(ExecutionWorkflow.class, Plan.workflowId(event.getOrg(), event.getExecutionId()))
          .attemptEnded(outcome);
    } catch (WorkflowNotFoundException e) {
      log.debug("execution {} already ended; attempt {} outcome {} ignored", event.getExecutionId(), event.getAttemptId(), kind);
    }
  }
}
