package dev.meridian.agent.backend;

import dev.meridian.proto.agent.v1.Assignment;
import java.util.List;

/** What a backend tells the world about an attempt. */
public interface AttemptReporter {

  void initializing(Assignment attempt);

  void running(Assignment attempt, String logsUri);

  void succeeded(Assignment attempt, String outputsJson, String logsUri);

  void failed(Assignment attempt, Integer exitCode, String reason, List<String> logTail, String logsUri);

  void aborted(Assignment attempt, String reason, String logsUri);

  /** Ended through no fault of the task (evicted, preempted, its node gone): the router retries it as a system retry. */
  void lost(Assignment attempt, String reason);
}
