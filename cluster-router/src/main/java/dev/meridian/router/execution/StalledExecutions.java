package dev.meridian.router.execution;

import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Executions must never sit silently in {@code QUEUED}. Now and then the oldest queued executions
 * are looked up in Temporal; one whose workflow task has kept failing for {@link #FAILING_FOR} (a
 * bug, a history the code cannot replay, a worker that cannot take it) gets a {@code problem}
 * the API shows, the error is logged, and {@code meridian.router.executions.stalled} counts it for
 * an alert. The problem clears once the engine makes progress again. Waiting for quota or capacity
 * is not a problem: those nodes say what they wait for.
 */
@Component
class StalledExecutions {

  private static final Logger log = LoggerFactory.getLogger(StalledExecutions.class);
  /** Younger executions are left alone: a launch takes a moment to reach its first node. */
  static final Duration QUEUED_FOR = Duration.ofMinutes(1);
  /** Temporal retries a failing workflow task for ever, at once; one that still fails after this is no accident. */
  static final Duration FAILING_FOR = Duration.ofSeconds(30);
  /** Executions looked up per pass, oldest first. */
  static final int PER_PASS = 200;

  private final ExecutionStore store;
  private final WorkflowClient temporal;
  private final Clock clock;
  private final AtomicInteger stalled;

  StalledExecutions(ExecutionStore store, WorkflowClient temporal, Clock clock, MeterRegistry meters) {
    this.store = store;
    this.temporal = temporal;
    this.clock = clock;
    this.stalled = meters.gauge("meridian.router.executions.stalled", new AtomicInteger());
  }

  @Scheduled(fixedDelayString = "${meridian.router.stall-check:30s}", initialDelayString = "${meridian.router.stall-check:30s}")
  void check() {
    int found = 0;
    for (ExecutionStore.ExecutionRow row : store.queuedSince(clock.instant().minus(QUEUED_FOR), PER_PASS)) {
      String problem;
      try {
        problem = problemOf(row.org(), row.id());
      } catch (RuntimeException unreachable) {
        log.debug("cannot read the history of execution {} now: {}", row.id(), unreachable.toString());
        continue;
      }
      if (problem != null) {
        found++;
        if (!problem.equals(row.problem())) {
          log.error("execution {} of org {} is stalled: {}", row.id(), row.org(), problem);
          store.problem(row.org(), row.id(), problem);
        }
      } else if (row.problem() != null) {
        log.info("execution {} of org {} makes progress again", row.id(), row.org());
        store.problem(row.org(), row.id(), null);
      }
    }
    stalled.set(found);
  }

  /**
   * What keeps the engine from making progress with the execution, or null if nothing does: its
   * last workflow task failed (or timed out, which is how the SDK lets a failing task be retried)
   * more than {@link #FAILING_FOR} ago and none has completed since.
   */
  String problemOf(String org, String executionId) {
    List<HistoryEvent> events = temporal.fetchHistory(Plan.workflowId(org, executionId)).getEvents();
    HistoryEvent firstFailure = null;
    String cause = null;
    for (HistoryEvent event : events) {
      switch (event.getEventType()) {
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> firstFailure = null;
        case EVENT_TYPE_WORKFLOW_TASK_FAILED, EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT -> {
          if (firstFailure == null) {
            firstFailure = event;
          }
          if (event.hasWorkflowTaskFailedEventAttributes()) {
            cause = event.getWorkflowTaskFailedEventAttributes().getFailure().getMessage();
          }
        }
        default -> { }
      }
    }
    if (firstFailure == null) {
      return null;
    }
    Instant since = Instant.ofEpochSecond(firstFailure.getEventTime().getSeconds(), firstFailure.getEventTime().getNanos());
    if (since.isAfter(clock.instant().minus(FAILING_FOR))) {
      return null;
    }
    log.debug("execution {} of org {}: workflow task failing since {}: {}", executionId, org, since, cause);
    return "the engine has failed to advance this execution since " + since.truncatedTo(ChronoUnit.SECONDS)
        + "; it keeps trying and the platform's operators are alerted";
  }
}
