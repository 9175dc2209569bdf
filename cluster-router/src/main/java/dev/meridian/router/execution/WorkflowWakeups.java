package dev.meridian.router.execution;

import dev.meridian.router.admission.AdmissionLedger;
import dev.meridian.router.admission.Wakeups;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import org.springframework.stereotype.Component;

/** Admission wakes an execution's workflow with a signal; Temporal keeps it until the workflow reads it. */
@Component
class WorkflowWakeups implements Wakeups {

  private final WorkflowClient temporal;

  WorkflowWakeups(WorkflowClient temporal) {
    this.temporal = temporal;
  }

  @Override
  public boolean wake(AdmissionLedger.Admitted admitted) {
    try {
      temporal.newWorkflowStub(ExecutionWorkflow.class, Plan.workflowId(admitted.org(), admitted.executionId()))
          .admitted(admitted.requestId());
      return true;
    } catch (WorkflowNotFoundException gone) {
      return false;
    }
  }
}
