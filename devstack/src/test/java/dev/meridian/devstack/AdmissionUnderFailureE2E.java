package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * 200 GPU tasks from 20 executions launched at once against a quota of 8 GPUs, the router killed
 * twice while they run. The ledger is sampled throughout: at no instant are more than 8 GPUs
 * reserved; every task runs; the ledger is empty at the end. {@code -Dmeridian.admissionRuns=20}
 * repeats it (each run a fresh org on the same stack).
 */
class AdmissionUnderFailureE2E {

  private static final int QUOTA = 8;
  private static final int EXECUTIONS = 20;
  private static final int TASKS_PER_EXECUTION = 10;

  @TestFactory
  Stream<DynamicTest> neverReservesMoreThanTheQuotaWhileTheRouterIsKilledTwice() {
    int runs = Integer.getInteger("meridian.admissionRuns", 1);
    return IntStream.rangeClosed(1, runs).mapToObj(run -> DynamicTest.dynamicTest("run " + run + " of " + runs, this::oneRun));
  }

  private void oneRun() throws Exception {
    LocalStackExtension.Tenant tenant = LocalStackExtension.newTenant();
    List<String> agents = new ArrayList<>();
    QuotaE2E.simulatedCluster(tenant, agents, "sim", 16, Duration.ofMillis(1500));
    try {
      QuotaE2E.registerGpuFan(tenant, tenant.scope(), TASKS_PER_EXECUTION);
      assertThat(tenant.api().put("/api/v1/orgs/" + tenant.org() + "/quota", Map.of("gpus", Map.of("nvidia-h100", QUOTA))).status())
          .isEqualTo(200);

      try (Connection db = DriverManager.getConnection(tenant.stack().infrastructure().postgres().jdbcUrl(), "postgres",
          tenant.stack().infrastructure().postgres().password())) {
        AtomicInteger mostReserved = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        Connection own = DriverManager.getConnection(tenant.stack().infrastructure().postgres().jdbcUrl(), "postgres",
            tenant.stack().infrastructure().postgres().password());
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
        ScheduledFuture<?> sampler = sampling.scheduleAtFixedRate(() -> {
          try {
            mostReserved.accumulateAndGet(number(own, "select coalesce(sum(gpus), 0) from router.admissions where org_id = ? and state = 'ADMITTED'",
                tenant.org()), Math::max);
            samples.incrementAndGet();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        }, 0, 10, TimeUnit.MILLISECONDS);

        List<String> ids;
        try (ExecutorService launchers = Executors.newVirtualThreadPerTaskExecutor()) {
          List<CompletableFuture<String>> launches = IntStream.range(0, EXECUTIONS).mapToObj(i -> CompletableFuture.supplyAsync(
              () -> ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "fan", "version", "1"))), launchers)).toList();
          ids = launches.stream().map(CompletableFuture::join).toList();
        }

        ServiceProcess router = tenant.stack().service("cluster-router");
        for (int threshold : List.of(50, 120)) {
          await().atMost(Duration.ofSeconds(120)).until(() -> succeededAttempts(db, tenant.org()) >= threshold);
          router.kill();
          router.start().awaitHealthy(Duration.ofSeconds(120));
        }

        for (String id : ids) {
          JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(240), "SUCCEEDED", "FAILED", "ABORTED");
          assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
          assertThat(execution.get("nodes")).allSatisfy(node -> assertThat(node.get("attempts").valueStream()
              .anyMatch(a -> a.get("phase").asString().equals("SUCCEEDED"))).isTrue());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> number(db, "select count(*) from router.admissions where org_id = ?", tenant.org()) == 0);
        assertThat(sampler.isDone()).as("the ledger was sampled throughout").isFalse();
        sampling.shutdownNow();
        own.close();

        assertThat(mostReserved.get()).as("most GPUs reserved at once, over %d samples", samples.get()).isLessThanOrEqualTo(QUOTA);
        assertThat(mostReserved.get()).as("the quota was actually used").isEqualTo(QUOTA);
        assertThat(succeededAttempts(db, tenant.org())).isEqualTo(EXECUTIONS * TASKS_PER_EXECUTION);
      }
    } finally {
      agents.forEach(tenant.stack()::stopAgent);
    }
  }

  private static int succeededAttempts(Connection db, String org) throws SQLException {
    return number(db, "select count(*) from router.attempts where org_id = ? and phase = 'SUCCEEDED'", org);
  }

  private static int number(Connection db, String sql, String org) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      statement.setString(1, org);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }
}
