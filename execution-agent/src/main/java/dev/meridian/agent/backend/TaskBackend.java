package dev.meridian.agent.backend;

import dev.meridian.proto.agent.v1.Assignment;
import java.util.Set;

/**
 * Where attempts run: local processes, Kubernetes pods, or simulation. A backend reports every phase
 * change of every attempt to the {@link AttemptReporter} it was given, ending with exactly one terminal
 * report, and never throws for a task that fails: that is a {@code FAILED} report.
 */
public interface TaskBackend {

  /** Starts the attempt unless it already runs (assignments may be delivered twice), with its secrets' values. */
  void start(Assignment assignment, AttemptSecrets secrets);

  default void start(Assignment assignment) {
    start(assignment, AttemptSecrets.NONE);
  }

  /** Stops the attempt; it ends {@code ABORTED}. Unknown attempts are ignored. */
  void cancel(String attemptId, String reason);

  /** Attempts that have started and not yet ended. */
  Set<String> running();

  /**
   * What running attempts requested, as far as the backend knows it by itself (the Kubernetes
   * backend reads it from its Pods after a restart); the agent adds what it was assigned since.
   */
  default java.util.Map<String, dev.meridian.proto.agent.v1.Resources> runningRequests() {
    return java.util.Map.of();
  }

  /**
   * Stops every attempt without reporting it: the agent is going away, and the router declares its
   * attempts lost and retries them elsewhere.
   */
  void stop();
}
