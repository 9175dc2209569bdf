package dev.meridian.router.execution;

import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.SecretMessages;
import dev.meridian.router.secrets.SecretGrantsClient;
import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.Phase;
import com.google.protobuf.Timestamp;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.events.v1.ExecutionEvent;
import dev.meridian.proto.events.v1.ExecutionPhase;
import dev.meridian.router.agent.Fleet;
import dev.meridian.router.events.AttemptStore;
import dev.meridian.router.events.TaskEventPublisher;
import io.temporal.failure.ApplicationFailure;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.router.admission.AdmissionLedger;
import dev.meridian.router.admission.Admitter;
import dev.meridian.router.admission.QueueDrain;
import dev.meridian.workflow.ResourceRequest;
import java.time.Instant;
import org.springframework.transaction.support.TransactionTemplate;
import java.util.List;
import java.util.Set;
import dev.meridian.workflow.Limits;
import org.springframework.stereotype.Component;

@Component
class ExecutionActivitiesImpl implements ExecutionActivities {

  private final ExecutionStore executions;
  private final AttemptStore attempts;
  private final Fleet fleet;
  private final TaskEventPublisher events;
  private final Admitter admitter;
  private final AdmissionLedger ledger;
  private final QueueDrain drain;
  private final TransactionTemplate transactions;
  private final SecretGrantsClient secretGrants;

  ExecutionActivitiesImpl(ExecutionStore executions, AttemptStore attempts, Fleet fleet, TaskEventPublisher events,
      Admitter admitter, AdmissionLedger ledger, QueueDrain drain, TransactionTemplate transactions, SecretGrantsClient secretGrants) {
    this.executions = executions;
    this.attempts = attempts;
    this.fleet = fleet;
    this.events = events;
    this.admitter = admitter;
    this.ledger = ledger;
    this.drain = drain;
    this.transactions = transactions;
    this.secretGrants = secretGrants;
  }

  /** The execution stays QUEUED until its first attempt reaches a cluster; this only checks that its row is visible. */
  @Override
  public void executionStarted(String org, String executionId) {
    if (!executions.exists(org, executionId)) {
      // The creating transaction has not committed yet; Temporal retries.
      throw ApplicationFailure.newFailure("execution " + executionId + " is not in the read model yet", "NotYetVisible");
    }
  }

  @Override
  public void nodeChanged(String org, String executionId, String nodeId, Phase phase, String reason) {
    executions.updateNode(org, executionId, nodeId, phase, reason);
  }

  /**
   * Places the attempt and hands it to the cluster's agent. Waiting for capacity is a retryable
   * failure (Temporal retries with backoff, the node's reason says why); a task no cluster could
   * ever run is a non-retryable {@link ExecutionActivities#UNPLACEABLE} failure.
   */
  @Override
  public void dispatch(Dispatch dispatch) {
    Plan.Task task = dispatch.task();
    var decision = fleet.place(dispatch.org(), dispatch.attemptId(), task.resources(), dispatch.clusterLabels(),
        Set.copyOf(attempts.clustersOf(dispatch.org(), dispatch.executionId())));
    String cluster = switch (decision) {
      case PlacementPolicy.Placed placed -> placed.clusterId();
      case PlacementPolicy.Wait wait -> {
        if (dispatch.item() == null) {
          executions.updateNode(dispatch.org(), dispatch.executionId(), dispatch.nodeId(), Phase.QUEUED, wait.reason());
        }
        throw ApplicationFailure.newFailure(wait.reason(), "WaitingForCapacity");
      }
      case PlacementPolicy.Impossible impossible ->
          throw ApplicationFailure.newNonRetryableFailure(impossible.reason(), ExecutionActivities.UNPLACEABLE);
    };
    attempts.recordAssigned(dispatch.org(), dispatch.attemptId(), dispatch.executionId(), dispatch.nodeId(),
        dispatch.attempt(), cluster, dispatch.mapNode(), dispatch.item());
    try {
      Assignment.Builder assignment = assignment(dispatch, task);
      if (!task.secrets().isEmpty()) {
        // A fresh grant for every dispatch: a retried or failed-over attempt never reuses one.
        assignment.setSecretsGrantId(secretGrants.issue(dispatch.org(), dispatch.project(), dispatch.domain(),
            new AttemptId(dispatch.executionId(), dispatch.nodeId(), dispatch.attempt()), cluster, task.secrets()));
      }
      fleet.assign(cluster, assignment.build());
    } catch (SecretGrantsClient.MissingSecrets missing) {
      fleet.release(cluster, dispatch.attemptId());
      throw ApplicationFailure.newNonRetryableFailure(missing.getMessage(), ExecutionActivities.SECRETS_MISSING);
    } catch (RuntimeException e) {
      fleet.release(cluster, dispatch.attemptId());
      throw e;
    }
    if (dispatch.item() == null) {
      executions.updateNode(dispatch.org(), dispatch.executionId(), dispatch.nodeId(), Phase.RUNNING,
          dispatch.attempt() == 1 ? null : "attempt " + dispatch.attempt());
    }
    if (executions.markStarted(dispatch.org(), dispatch.executionId())) {
      drain.started(dispatch.org());
    }
  }

  @Override
  public boolean requestAdmission(Admission admission) {
    ResourceRequest resources = admission.resources();
    var entry = new AdmissionLedger.Entry(admission.org(), admission.requestId(),
        resources == null ? AdmissionLedger.Kind.EXECUTION : AdmissionLedger.Kind.TASK, admission.project(), admission.executionId(),
        admission.nodeId(), admission.priority(), Instant.ofEpochMilli(admission.readyAtMillis()),
        resources == null ? null : resources.gpuType(), resources == null ? 0 : resources.gpus(),
        resources == null ? 0 : resources.milliCpu(), resources == null ? 0 : resources.memoryMiB());
    boolean admitted = admitter.request(entry);
    if (!admitted && admission.nodeId() != null) {
      executions.updateNode(admission.org(), admission.executionId(), admission.nodeId(), Phase.QUEUED, "waiting for quota");
    }
    return admitted;
  }

  @Override
  public void releaseAdmission(String org, String requestId) {
    admitter.release(org, requestId);
  }

  private static Assignment.Builder assignment(Dispatch dispatch, Plan.Task task) {
    return Assignment.newBuilder()
        .setAttemptId(dispatch.attemptId())
        .setOrg(dispatch.org())
        .setProject(dispatch.project())
        .setDomain(dispatch.domain())
        .setExecutionId(dispatch.executionId())
        .setNodeId(dispatch.nodeId())
        .setAttempt(dispatch.attempt())
        .setInputsJson(dispatch.inputsJson())
        .setReadyAt(com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(dispatch.readyAtMillis() / 1000).setNanos((int) (dispatch.readyAtMillis() % 1000) * 1_000_000))
        .setTask(dev.meridian.proto.agent.v1.Task.newBuilder()
            .setName(task.name())
            .setVersion(task.version())
            .setImage(task.image() == null ? "" : task.image())
            .addAllCommand(task.command())
            .addAllArgs(task.args())
            .putAllEnv(task.env())
            .setInterfaceJson(task.interfaceJson())
            .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(task.timeoutSeconds()))
            .setResources(ResourceMessages.toMessage(task.resources()))
            .addAllSecrets(task.secrets().stream().map(SecretMessages::toMessage).toList()));
  }

  @Override
  public void cancelAttempt(String org, String attemptId, String reason) {
    attempts.clusterOf(org, attemptId).ifPresent(cluster -> fleet.cancel(cluster, attemptId, reason));
  }

  @Override
  public void mapStarted(String org, String executionId, String nodeId, int items) {
    executions.mapStarted(org, executionId, nodeId, items);
  }

  @Override
  public void mapItemFailed(String org, String executionId, String nodeId, int item) {
    executions.mapItemFailed(org, executionId, nodeId, item);
  }

  @Override
  public String collectMapOutputs(String org, String executionId, String nodeId, int items, List<String> outputNames) {
    return switch (executions.collectMapOutputs(org, executionId, nodeId, items, outputNames, Limits.MAX_COLLECTED_OUTPUT_BYTES)) {
      case ExecutionStore.Collected.Outputs outputs -> outputs.json();
      case ExecutionStore.Collected.TooLarge tooLarge -> throw ApplicationFailure.newNonRetryableFailure("the outputs of its "
          + items + " items are over " + Limits.MAX_COLLECTED_OUTPUT_BYTES / 1024 + " KiB together (a map node's outputs must fit"
          + " in what one task may output); let each item write its results to a blob and output the blob's URI", TOO_LARGE);
    };
  }

  @Override
  public void executionEnded(Ending ending) {
    for (String node : ending.skippedNodes()) {
      executions.updateNode(ending.org(), ending.executionId(), node, Phase.SKIPPED, "an upstream node did not succeed");
    }
    int released = transactions.execute(tx -> {
      boolean wasQueued = executions.end(ending.org(), ending.executionId(), ending.phase(), ending.outputsJson(), ending.errorCode(),
          ending.errorMessage(), ending.errorNode());
      if (wasQueued) {
        drain.started(ending.org());
      }
      return ledger.releaseExecution(ending.org(), ending.executionId());
    });
    admitter.released(ending.org(), released);
    Instant now = Instant.now();
    events.publish(ExecutionEvent.newBuilder()
        .setEventId(ending.executionId() + "/" + ending.phase())
        .setOrg(ending.org())
        .setExecutionId(ending.executionId())
        .setPhase(ExecutionPhase.valueOf("EXECUTION_PHASE_" + ending.phase()))
        .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setOutputsJson(ending.outputsJson() == null ? "" : ending.outputsJson())
        .setErrorCode(ending.errorCode() == null ? "" : ending.errorCode())
        .setErrorMessage(ending.errorMessage() == null ? "" : ending.errorMessage())
        .setErrorNode(ending.errorNode() == null ? "" : ending.errorNode())
        .build());
  }
}
