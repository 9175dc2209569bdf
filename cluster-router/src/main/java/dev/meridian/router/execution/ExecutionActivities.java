package dev.meridian.router.execution;

import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;

/** Every side effect of the execution workflow. Each call is idempotent: Temporal may repeat it. */
@ActivityInterface
public interface ExecutionActivities {

  void executionStarted(String org, String executionId);

  void nodeChanged(String org, String executionId, String nodeId, String phase, String reason);

  /** Hands the attempt to a connected agent and returns once the agent acknowledged it. */
  void dispatch(Dispatch dispatch);

  void cancelAttempt(String org, String attemptId, String reason);

  void executionEnded(Ending ending);

  /** Thrown (non-retryable) by {@link #dispatch} when no cluster of the org could ever run the task. */
  String UNPLACEABLE = "Unplaceable";

  /** {@code readyAtMillis}: workflow time when the node became ready; 0 in histories from before it existed. */
  record Dispatch(String org, String project, String domain, String executionId, String nodeId, int attempt,
      Plan.Task task, String inputsJson, Map<String, String> clusterLabels, long readyAtMillis) {
    public Dispatch {
      clusterLabels = clusterLabels == null ? Map.of() : Map.copyOf(clusterLabels);
    }

    public String attemptId() {
      return attemptId(executionId, nodeId, attempt);
    }

    public static String attemptId(String executionId, String nodeId, int attempt) {
      return executionId + "/" + nodeId + "/" + attempt;
    }
  }

  record Ending(String org, String executionId, String phase, String outputsJson, String errorCode, String errorMessage,
      String errorNode, List<String> skippedNodes) {}
}
