package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.router.RouterDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
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
 * An execution whose workflow task keeps failing says so in the read model, with a gauge for the
 * alert, instead of sitting silently in QUEUED; one that merely waits for a worker does not.
 * Against the router's schema on PostgreSQL and Temporal's in-process server.
 */
class StalledExecutionsTest {

  private static final String BROKEN_QUEUE = "broken-engine";
  private static final String IDLE_QUEUE = "no-worker-yet";

  private static ExecutionStore store;
  private static TestWorkflowEnvironment temporal;

  /** An engine with a bug: every workflow task of it fails. */
  public static class BrokenEngine implements ExecutionWorkflow {
    @Override public void run(Plan plan, Progress carried) { throw new IllegalStateException("a bug in the engine"); }
    @Override public void attemptEnded(AttemptOutcome outcome) {}
    @Override public void terminate(String reason) {}
    @Override public void admitted(String requestId) {}
  }

  @BeforeAll
  static void start() {
    var dataSource = RouterDatabase.shared();
    store = new ExecutionStore(JdbcClient.create(dataSource));
    temporal = TestWorkflowEnvironment.newInstance();
    temporal.newWorker(BROKEN_QUEUE).registerWorkflowImplementationTypes(BrokenEngine.class);
    temporal.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static void launch(String executionId, String taskQueue) {
    store.insertExecution("acme", executionId, "p", "development", "wf", "1", null, "{}", null, "hash", List.of("n"));
    Plan plan = new Plan("acme", "p", "development", executionId, List.of(), Map.of(), 0, "{}", Map.of(), 0);
    ExecutionWorkflow workflow = temporal.getWorkflowClient().newWorkflowStub(ExecutionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(taskQueue).build());
    WorkflowClient.start(workflow::run, plan, null);
  }

  private static String problemOf(String executionId) {
    return store.find("acme", "p", "development", executionId).orElseThrow().problem();
  }

  @Test
  void anExecutionWhoseWorkflowTaskKeepsFailingShowsItsProblemAndIsCounted() {
    launch("broken", BROKEN_QUEUE);
    launch("waiting", IDLE_QUEUE);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    var watchdog = new StalledExecutions(store, temporal.getWorkflowClient(),
        Clock.fixed(Instant.now().plus(StalledExecutions.QUEUED_FOR).plus(StalledExecutions.FAILING_FOR).plusSeconds(1), ZoneOffset.UTC),
        meters);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      watchdog.check();
      assertThat(problemOf("broken")).startsWith("the engine has failed to advance this execution since ")
          .endsWith("; it keeps trying and the platform's operators are alerted");
    });
    assertThat(problemOf("waiting")).as("waiting for a worker is not a failure").isNull();
    int withProblems = JdbcClient.create(RouterDatabase.shared()).sql("select count(*) from executions where problem is not null")
        .query(Integer.class).single();
    assertThat(meters.get("meridian.router.executions.stalled").gauge().value()).as("every stalled execution counted once")
        .isEqualTo(withProblems);
  }

  @Test
  void executionsYoungerThanAMinuteAreLeftAlone() {
    launch("young", BROKEN_QUEUE);
    var watchdog = new StalledExecutions(store, temporal.getWorkflowClient(), Clock.systemUTC(), new SimpleMeterRegistry());

    watchdog.check();

    assertThat(problemOf("young")).isNull();
  }
}
