package dev.meridian.router.execution;

import java.util.List;

/** How a task attempt ended, as reported by its agent (or by the router when the agent was lost). */
public record AttemptOutcome(String attemptId, Kind kind, String outputsJson, Integer exitCode, String reason, List<String> logTail) {

  public enum Kind { SUCCEEDED, FAILED, ABORTED, LOST }

  public AttemptOutcome {
    logTail = logTail == null ? List.of() : List.copyOf(logTail);
  }
}
