package dev.meridian.router.execution;

import dev.meridian.workflow.Phase;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.function.Supplier;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine executions started before the event loop (ADR 0007) run on: a workflow thread per
 * node. Kept only so that those histories replay and finish; new executions never take this path.
 * Remove once no execution started before the event loop can still be running (issue 16).
 */
final class ThreadPerNodeExecution implements ExecutionEngine {

  private static final int SYSTEM_RETRIES = ExecutionWorkflowImpl.SYSTEM_RETRIES;
  private static final Duration SILENCE_GRACE = ExecutionWorkflowImpl.SILENCE_GRACE;

  private static final Duration ADMISSION_RECHECK = ExecutionWorkflowImpl.ADMISSION_RECHECK;

  private final ExecutionActivities activities;
  private final Map<String, AttemptOutcome> outcomes = new HashMap<>();
  private final Set<String> admittedRequests = new HashSet<>();
  /** Version 1 reserves quota for the execution and each attempt; histories from before skip admission. */
  private boolean admission;
  private final Map<String, String> nodeOutputs = new HashMap<>();
  private final Map<String, NodeResult> results = new LinkedHashMap<>();
  private String terminatedBecause;
  /** Set once the running nodes must stop; each stops its current attempt. */
  private String stopRunning;

  private record NodeResult(String nodeId, boolean succeeded, boolean aborted, String error) {}

  ThreadPerNodeExecution(ExecutionActivities activities) {
    this.activities = activities;
  }

  void run(Plan plan) {
    admission = Workflow.getVersion("admission", Workflow.DEFAULT_VERSION, 1) >= 1;
    activities.executionStarted(plan.org(), plan.executionId());
    if (admission) {
      // A slot among the org's concurrent executions; terminated while waiting, the loop below starts nothing.
      admit(ExecutionActivities.Admission.execution(plan, Workflow.currentTimeMillis()), () -> terminatedBecause != null);
    }
    int parallelism = plan.maxParallelism() > 0 ? plan.maxParallelism() : Integer.MAX_VALUE;
    Set<String> started = new LinkedHashSet<>();
    Set<String> succeeded = new LinkedHashSet<>();
    NodeResult failure = null;

    while (failure == null && terminatedBecause == null && succeeded.size() < plan.nodes().size()) {
      int running = started.size() - results.size();
      for (Plan.Node node : DagPlanner.ready(plan, succeeded, started, parallelism - running)) {
        started.add(node.id());
        String inputs = DagPlanner.resolve(node.inputs(), plan.inputsJson(), nodeOutputs);
        Async.procedure(() -> results.put(node.id(), runNode(plan, node, inputs)));
      }
      int seen = results.size();
      Workflow.await(() -> results.size() > seen || terminatedBecause != null);
      for (NodeResult result : results.values()) {
        if (result.succeeded()) {
          succeeded.add(result.nodeId());
        } else if (failure == null && !result.aborted()) {
          failure = result;
        }
      }
    }

    if (terminatedBecause != null || failure != null) {
      // Stop what still runs: a terminated execution, or fail-fast after the first failed node.
      String reason = terminatedBecause != null ? "terminated: " + terminatedBecause : "another node failed";
      stopRunning = reason;
      Workflow.await(() -> results.size() == started.size());
    }

    List<String> skipped = new ArrayList<>();
    for (Plan.Node node : plan.nodes()) {
      if (!started.contains(node.id())) {
        skipped.add(node.id());
      }
    }
    if (terminatedBecause != null) {
      activities.executionEnded(new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.ABORTED, null,
          "TERMINATED", terminatedBecause, null, skipped));
    } else if (failure != null) {
      activities.executionEnded(new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.FAILED, null,
          "TASK_FAILED", failure.error(), failure.nodeId(), skipped));
    } else {
      String outputs = DagPlanner.resolve(plan.outputs(), plan.inputsJson(), nodeOutputs);
      activities.executionEnded(new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.SUCCEEDED, outputs,
          null, null, null, skipped));
    }
  }

  private NodeResult runNode(Plan plan, Plan.Node node, String inputs) {
    long readyAt = Workflow.currentTimeMillis();
    int userFailures = 0;
    int lost = 0;
    for (int attempt = 1; ; attempt++) {
      var dispatch = new ExecutionActivities.Dispatch(plan.org(), plan.project(), plan.domain(), plan.executionId(),
          node.id(), attempt, node.task(), inputs, plan.clusterLabels(), attempt == 1 ? readyAt : Workflow.currentTimeMillis());
      String attemptId = dispatch.attemptId();
      if (stopRunning != null) {
        activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.ABORTED, stopRunning);
        return new NodeResult(node.id(), false, true, stopRunning);
      }
      // Version 1 drops this activity: dispatch records RUNNING itself. Histories from before keep it.
      if (Workflow.getVersion("dispatch-records-running", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
        activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.RUNNING, attempt == 1 ? null : "attempt " + attempt);
      }
      if (admission && !admit(ExecutionActivities.Admission.task(dispatch, plan.priority(), readyAt), () -> stopRunning != null)) {
        activities.releaseAdmission(plan.org(), attemptId);
        activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.ABORTED, stopRunning);
        return new NodeResult(node.id(), false, true, stopRunning);
      }
      try {
        activities.dispatch(dispatch);
      } catch (ActivityFailure failure) {
        if (failure.getCause() instanceof ApplicationFailure cause && ExecutionActivities.UNPLACEABLE.equals(cause.getType())) {
          releaseAdmission(plan, attemptId);
          activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.FAILED, cause.getOriginalMessage());
          return new NodeResult(node.id(), false, false, "node '" + node.id() + "' cannot be placed: " + cause.getOriginalMessage());
        }
        throw failure;
      }
      boolean ended;
      if (node.task().timeoutSeconds() > 0) {
        ended = Workflow.await(Duration.ofSeconds(node.task().timeoutSeconds()).plus(SILENCE_GRACE),
            () -> outcomes.containsKey(attemptId) || stopRunning != null);
      } else {
        Workflow.await(() -> outcomes.containsKey(attemptId) || stopRunning != null);
        ended = true;
      }
      AttemptOutcome outcome = outcomes.get(attemptId);
      releaseAdmission(plan, attemptId);
      if (outcome == null) {
        String reason = ended ? stopRunning : "no result within the task's timeout";
        activities.cancelAttempt(plan.org(), attemptId, reason);
        if (ended) {
          activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.ABORTED, reason);
          return new NodeResult(node.id(), false, true, reason);
        }
        outcome = new AttemptOutcome(attemptId, AttemptOutcome.Kind.FAILED, null, null, reason, List.of());
      }
      switch (outcome.kind()) {
        case SUCCEEDED -> {
          nodeOutputs.put(node.id(), outcome.outputsJson() == null ? "{}" : outcome.outputsJson());
          activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.SUCCEEDED, null);
          return new NodeResult(node.id(), true, false, null);
        }
        case ABORTED -> {
          activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.ABORTED, outcome.reason());
          return new NodeResult(node.id(), false, stopRunning != null, ExecutionLoop.describe(node, node.task(), attempt, outcome));
        }
        case LOST -> {
          if (++lost > SYSTEM_RETRIES) {
            activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.FAILED, outcome.reason());
            return new NodeResult(node.id(), false, false, ExecutionLoop.describe(node, node.task(), attempt, outcome));
          }
        }
        case FAILED -> {
          if (++userFailures > node.task().retries()) {
            activities.nodeChanged(plan.org(), plan.executionId(), node.id(), Phase.FAILED, outcome.reason());
            return new NodeResult(node.id(), false, false, ExecutionLoop.describe(node, node.task(), attempt, outcome));
          }
        }
      }
    }
  }

  /**
   * Waits until the request is admitted; false if {@code stopped} became true first. The ledger
   * usually admits at once; otherwise the router signals, and the ledger is asked again now and
   * then in case a signal was lost.
   */
  private boolean admit(ExecutionActivities.Admission request, Supplier<Boolean> stopped) {
    if (activities.requestAdmission(request)) {
      return true;
    }
    while (true) {
      Workflow.await(ADMISSION_RECHECK, () -> admittedRequests.contains(request.requestId()) || stopped.get());
      if (admittedRequests.contains(request.requestId())) {
        return true;
      }
      if (stopped.get()) {
        return false;
      }
      if (activities.requestAdmission(request)) {
        return true;
      }
    }
  }

  /** The attempt has ended (or never reached a cluster): its reservation goes back, if the event consumer has not already done it. */
  private void releaseAdmission(Plan plan, String attemptId) {
    if (admission) {
      activities.releaseAdmission(plan.org(), attemptId);
    }
  }

  @Override
  public void attemptEnded(AttemptOutcome outcome) {
    outcomes.putIfAbsent(outcome.attemptId(), outcome);
  }

  @Override
  public void admitted(String requestId) {
    admittedRequests.add(requestId);
  }

  @Override
  public void terminate(String reason) {
    if (terminatedBecause == null) {
      terminatedBecause = reason;
    }
  }
}
