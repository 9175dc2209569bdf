package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.RouterDatabase;
import io.temporal.api.enums.v1.EventType;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The launch's outbox against the router's real schema on PostgreSQL and Temporal's in-process
 * server: a launch that died between its commit and the workflow start is started by the sweeper,
 * exactly once, and only after the launch had its chance.
 */
class PendingStartsTest {

  private static JdbcClient jdbc;
  private static TestWorkflowEnvironment temporal;
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  @BeforeAll
  static void start() {
    var dataSource = RouterDatabase.shared();
    jdbc = JdbcClient.create(dataSource);
    temporal = TestWorkflowEnvironment.newInstance();
    temporal.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static PendingStarts at(Instant now) {
    return new PendingStarts(jdbc, temporal.getWorkflowClient(), Clock.fixed(now, ZoneOffset.UTC));
  }

  private static Plan plan(String executionId) {
    return new Plan("acme", "p", "development", executionId, List.of(Plan.Node.referring("n", "t:1", Map.of())), Map.of(), 0, "{}",
        Map.of(), 0, Map.of("t:1", new Plan.Task("t", "1", "busybox", List.of("true"), List.of(), Map.of(), "{}", 0, 0, null)));
  }

  private static long runsOf(Plan plan) {
    return temporal.getWorkflowClient().fetchHistory(plan.workflowId()).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).count();
  }

  private static int pending(Plan plan) {
    return jdbc.sql("select count(*) from execution_starts where org_id = :org and execution_id = :id")
        .param("org", plan.org()).param("id", plan.executionId()).query(Integer.class).single();
  }

  @Test
  void aStartLeftBehindByACrashIsMadeByTheSweeperOnceTheLaunchHadItsChance() {
    Plan plan = plan("crashed");
    at(NOW).record(plan);

    at(NOW.plusSeconds(1)).sweep();
    assertThat(pending(plan)).as("within the grace the launch itself may still start it").isEqualTo(1);

    at(NOW.plus(PendingStarts.GRACE).plusSeconds(1)).sweep();
    assertThat(pending(plan)).isZero();
    assertThat(runsOf(plan)).isEqualTo(1);
  }

  @Test
  void startingAgainWhatIsAlreadyStartedIsHarmless() {
    Plan plan = plan("twice");
    PendingStarts starts = at(NOW);
    starts.record(plan);
    assertThat(starts.start(plan)).isTrue();

    starts.record(plan);
    starts.startIfPending(plan.org(), plan.executionId());
    at(NOW.plus(Duration.ofMinutes(1))).sweep();

    assertThat(pending(plan)).isZero();
    assertThat(runsOf(plan)).as("one workflow, however often it was started").isEqualTo(1);
  }
}
