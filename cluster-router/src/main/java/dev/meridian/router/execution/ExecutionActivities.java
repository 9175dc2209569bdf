package dev.meridian.router.execution;

import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.Phase;
import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;
import dev.meridian.workflow.ResourceRequest;

/** Every side effect of the execution workflow. Each call is idempotent: Temporal may repeat it. */
@ActivityInterface
public interface ExecutionActivities {

  void executionStarted(String org, String executionId);

  void nodeChanged(String org, String executionId, String nodeId, Phase phase, String reason);

  /** Hands the attempt to a connected agent and returns once the agent acknowledged it. */
  void dispatch(Dispatch dispatch);

  void cancelAttempt(String org, String attemptId, String reason);

  /** Queues the request for quota (once, however often called); true once it is admitted. */
  boolean requestAdmission(Admission admission);

  /** Frees what the request reserved, or takes it out of the queue. Idempotent. */
  void releaseAdmission(String org, String requestId);

  void executionEnded(Ending ending);

  /** Map node {@code nodeId} started over {@code items} items. */
  void mapStarted(String org, String executionId, String nodeId, int items);

  /** Item {@code item} of map node {@code nodeId} failed for good. */
  void mapItemFailed(String org, String executionId, String nodeId, int item);

  /**
   * The map node's outputs: each of {@code outputNames} as a collection in item order, each item's
   * value from its succeeded attempt, {@code null} for items without one. Fails (non-retryable,
   * {@link #TOO_LARGE}) when the collected JSON exceeds the limit.
   */
  String collectMapOutputs(String org, String executionId, String nodeId, int items, List<String> outputNames);

  /** Thrown (non-retryable) by {@link #collectMapOutputs} when the collected outputs are over the limit. */
  String TOO_LARGE = "TooLarge";

  /** Thrown (non-retryable) by {@link #dispatch} when no cluster of the org could ever run the task. */
  String UNPLACEABLE = "Unplaceable";
  /** The task's secrets were deleted after the launch: the attempt cannot run, and retrying will not help. */
  String SECRETS_MISSING = "SecretsMissing";

  /**
   * {@code readyAtMillis}: workflow time when the node became ready; 0 in histories from before it
   * existed. An item of a map node runs as node {@code node[item]}, with {@code mapNode} and
   * {@code item} set (null otherwise).
   */
  record Dispatch(String org, String project, String domain, String executionId, String nodeId, int attempt,
      Plan.Task task, String inputsJson, Map<String, String> clusterLabels, long readyAtMillis, String mapNode, Integer item) {
    public Dispatch {
      clusterLabels = clusterLabels == null ? Map.of() : Map.copyOf(clusterLabels);
    }

    public Dispatch(String org, String project, String domain, String executionId, String nodeId, int attempt,
        Plan.Task task, String inputsJson, Map<String, String> clusterLabels, long readyAtMillis) {
      this(org, project, domain, executionId, nodeId, attempt, task, inputsJson, clusterLabels, readyAtMillis, null, null);
    }

    public String attemptId() {
      return new AttemptId(executionId, nodeId, attempt).toString();
    }
  }

  /**
   * An execution's slot ({@code nodeId} and {@code resources} null, request id = execution id) or a
   * task attempt's resources (request id = attempt id). {@code readyAtMillis}: when the node became
   * ready; every attempt of the node keeps it, so a retry keeps its place in the queue.
   */
  record Admission(String org, String project, String executionId, String nodeId, String requestId, int priority,
      long readyAtMillis, ResourceRequest resources) {

    static Admission execution(Plan plan, long now) {
      return new Admission(plan.org(), plan.project(), plan.executionId(), null, plan.executionId(), plan.priority(), now, null);
    }

    static Admission task(Dispatch dispatch, int priority, long readyAtMillis) {
      return new Admission(dispatch.org(), dispatch.project(), dispatch.executionId(), dispatch.nodeId(), dispatch.attemptId(),
          priority, readyAtMillis, dispatch.task().resources());
    }
  }

  record Ending(String org, String executionId, Phase phase, String outputsJson, String errorCode, String errorMessage,
      String errorNode, List<String> skippedNodes) {}
}
