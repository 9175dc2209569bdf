package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.RouterDatabase;
import dev.meridian.router.admission.QueueDrain;
import dev.meridian.router.admission.QuotaCache;
import dev.meridian.workflow.Capacity;
import dev.meridian.router.placement.ClusterView;
import io.temporal.api.enums.v1.EventType;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The launch use case in process, on the router's schema in PostgreSQL and Temporal's in-process
 * server, with a fixed clock: every outcome, and nothing created by the refusals.
 */
class LaunchesTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);
  private static final List<ClusterView> ONE_CLUSTER = List.of(new ClusterView("c1", "sim", Map.of(), true, true, false, false,
      new Capacity(64_000, 256_000, Map.of()), new Capacity(64_000, 256_000, Map.of())));
  private static final QuotaCache.Limits UNLIMITED = new QuotaCache.Limits(Map.of(), Map.of(), null, Map.of());

  private static JdbcClient jdbc;
  private static TestWorkflowEnvironment temporal;
  private static ExecutionStore store;
  private static TransactionTemplate transactions;

  @BeforeAll
  static void start() {
    var dataSource = RouterDatabase.shared();
    jdbc = JdbcClient.create(dataSource);
    store = new ExecutionStore(jdbc);
    transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    temporal = TestWorkflowEnvironment.newInstance();
    temporal.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static Launches launches(Function<String, List<ClusterView>> clusters, Function<String, QuotaCache.Limits> quotas) {
    return new Launches(store, transactions, new PendingStarts(jdbc, temporal.getWorkflowClient(), CLOCK), clusters, quotas,
        new QueueDrain(CLOCK));
  }

  private static Launches.Launch launch(String org, String key, String requestHash) {
    return new Launches.Launch(org, "p", "development", "wf", "1", null, "{}", key, requestHash, id -> new Plan(org, "p", "development", id,
        List.of(Plan.Node.referring("n", "t:1", Map.of())), Map.of(), 0, "{}", Map.of(), 0,
        Map.of("t:1", new Plan.Task("t", "1", "busybox", List.of("true"), List.of(), Map.of(), "{}", 0, 0, null))));
  }

  private static int executionsOf(String org) {
    return jdbc.sql("select count(*) from executions where org_id = :org").param("org", org).query(Integer.class).single();
  }

  private static long workflowStarts(String org, String id) {
    return temporal.getWorkflowClient().fetchHistory(Plan.workflowId(org, id)).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).count();
  }

  @Test
  void aLaunchCreatesAQueuedExecutionAndStartsItsWorkflowOnce() {
    var outcome = launches(org -> ONE_CLUSTER, org -> UNLIMITED).launch(launch("created", null, "h1"));

    assertThat(outcome).isInstanceOfSatisfying(Launches.Outcome.Created.class, created -> {
      assertThat(created.execution().phase()).isEqualTo("QUEUED");
      assertThat(workflowStarts("created", created.execution().id())).isEqualTo(1);
    });
    assertThat(jdbc.sql("select count(*) from execution_starts where org_id = 'created'").query(Integer.class).single()).isZero();
  }

  @Test
  void theSameKeyReplaysTheFirstExecutionForTheSameRequestAndConflictsForAnother() {
    Launches launches = launches(org -> ONE_CLUSTER, org -> UNLIMITED);
    var first = (Launches.Outcome.Created) launches.launch(launch("keyed", "deploy-42", "h1"));

    var again = launches.launch(launch("keyed", "deploy-42", "h1"));
    var different = launches.launch(launch("keyed", "deploy-42", "h2"));

    assertThat(again).isEqualTo(new Launches.Outcome.Replayed(first.execution()));
    assertThat(different).isInstanceOfSatisfying(Launches.Outcome.IdempotencyConflict.class, conflict ->
        assertThat(conflict.message()).isEqualTo("Idempotency-Key 'deploy-42' was used for a different request (execution "
            + first.execution().id() + ")"));
    assertThat(executionsOf("keyed")).isEqualTo(1);
    assertThat(workflowStarts("keyed", first.execution().id())).isEqualTo(1);
  }

  @Test
  void aLaunchBeyondTheQueueLimitIsRefusedWithWhenToRetryAndCreatesNothing() {
    Launches launches = launches(org -> ONE_CLUSTER, org -> new QuotaCache.Limits(Map.of(), Map.of(), 1, Map.of()));
    assertThat(launches.launch(launch("full", null, "h1"))).isInstanceOf(Launches.Outcome.Created.class);

    var refused = launches.launch(launch("full", null, "h2"));

    assertThat(refused).isEqualTo(new Launches.Outcome.QueueFull(
        "org 'full' already has 1 queued executions, as many as its quota allows (maxQueuedExecutions)", Duration.ofSeconds(10)));
    assertThat(executionsOf("full")).isEqualTo(1);
  }

  @Test
  void aWorkflowNoClusterOfTheOrgCanRunIsUnplaceableAndCreatesNothing() {
    var outcome = launches(org -> List.of(), org -> UNLIMITED).launch(launch("clusterless", null, "h1"));

    assertThat(outcome).isEqualTo(new Launches.Outcome.Unplaceable("n",
        "the org has no clusters; register one with POST /api/v1/orgs/{org}/clusters and install its agent"));
    assertThat(executionsOf("clusterless")).isZero();
  }

  @Test
  void quotasThatCannotBeReadRefuseTheLaunchAndCreateNothing() {
    var outcome = launches(org -> ONE_CLUSTER, org -> {
      throw new QuotaCache.Unavailable(org, new IllegalStateException("down"));
    }).launch(launch("unreadable", null, "h1"));

    assertThat(outcome).isEqualTo(new Launches.Outcome.QuotasUnavailable(
        "the quotas of org 'unreadable' cannot be read: tenant-service is unavailable"));
    assertThat(executionsOf("unreadable")).isZero();
  }
}
