package dev.meridian.router.execution;

import dev.meridian.workflow.Phase;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import dev.meridian.router.admission.AdmissionLedger;
import dev.meridian.router.admission.Admitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ends executions whose workflow Temporal no longer knows. A durable Temporal never forgets one;
 * the local stack's test server keeps its state in memory, so after {@code ./meridian down} and
 * {@code up} the read model would otherwise show those executions running forever.
 */
@Component
class OrphanedExecutions {

  private static final Logger log = LoggerFactory.getLogger(OrphanedExecutions.class);

  private final ExecutionStore store;
  private final WorkflowClient temporal;
  private final AdmissionLedger ledger;
  private final Admitter admitter;
  private final TransactionTemplate transactions;

  OrphanedExecutions(ExecutionStore store, WorkflowClient temporal, AdmissionLedger ledger, Admitter admitter,
      TransactionTemplate transactions) {
    this.store = store;
    this.temporal = temporal;
    this.ledger = ledger;
    this.admitter = admitter;
    this.transactions = transactions;
  }

  @EventListener(ApplicationReadyEvent.class)
  void endOrphans() {
    for (ExecutionStore.ExecutionRow row : store.unfinished()) {
      try {
        temporal.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(temporal.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(Plan.workflowId(row.org(), row.id())))
            .build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          log.warn("execution {} of org {} has no workflow in Temporal any more; ending it FAILED", row.id(), row.org());
          int released = transactions.execute(tx -> {
            store.end(row.org(), row.id(), Phase.FAILED, null, "WORKFLOW_LOST",
                "the execution's workflow is gone from Temporal (the local stack's Temporal keeps its state in memory "
                    + "and was restarted); relaunch it", null);
            return ledger.releaseExecution(row.org(), row.id());
          });
          admitter.released(row.org(), released);
        } else {
          throw e;
        }
      }
    }
  }
}
