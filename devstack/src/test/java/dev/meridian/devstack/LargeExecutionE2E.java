package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Wide fan-outs run to the end on a simulated cluster, through a router crash, and the limits answer clearly. */
@ExtendWith(LocalStackExtension.class)
class LargeExecutionE2E {

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  @AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  /**
   * A simulated cluster labelled {@code pool=wide} whose attempts take {@code taskDuration}, and a
   * launch plan {@code wide} that runs a {@code width}-node fan-out of a no-op task there only.
   */
  private void wideFanOut(LocalStackExtension.Tenant tenant, int width, Duration taskDuration) {
    stack = tenant.stack();
    String name = "wide-" + tenant.org();
    var registered = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters",
        Map.of("name", "wide", "region", "test", "labels", Map.of("pool", "wide")));
    assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
    agents.add(name);
    stack.startAgent(name, registered.body().get("token").asString(), LocalStack.AgentOptions.simulated(Map.of(), taskDuration));
    await().atMost(Duration.ofSeconds(60)).until(() -> tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body()
        .get("items").valueStream().anyMatch(c -> c.get("name").asString().equals("wide") && c.get("status").asString().equals("CONNECTED")));

    assertThat(tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("noop", List.of(), List.of(), "true", 0, null, Map.of())).status())
        .isIn(200, 201);
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 0; i < width; i++) {
      nodes.put("n" + i, "noop");
    }
    var workflow = tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("fan", nodes));
    assertThat(workflow.status()).as(workflow.body().toString()).isIn(200, 201);
    var plan = tenant.api().post(tenant.scope() + "/launch-plans", Map.of("name", "wide", "version", "1",
        "workflow", Map.of("name", "fan", "version", "1"), "overrides", Map.of("clusterLabels", Map.of("pool", "wide"))));
    assertThat(plan.status()).as(plan.body().toString()).isIn(200, 201);
  }

  static long succeeded(JsonNode execution) {
    return execution.get("nodes").valueStream().filter(n -> n.get("phase").asString().equals("SUCCEEDED")).count();
  }

  static void assertEveryNodeSucceededOnce(JsonNode execution, int width) {
    assertThat(execution.get("phase").asString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("nodes")).hasSize(width).allSatisfy(node -> {
      assertThat(node.get("phase").asString()).isEqualTo("SUCCEEDED");
      assertThat(node.get("attempts").valueStream().filter(a -> a.get("phase").asString().equals("SUCCEEDED"))).hasSize(1);
    });
  }

  /** Every reservation of the tenant's org went back and no execution of it still runs. */
  static void assertNothingStaysReserved(LocalStackExtension.Tenant tenant) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonNode usage = tenant.api().get("/api/v1/orgs/" + tenant.org() + "/quota/usage").body();
      assertThat(usage.get("reserved").get("cpuCores").asDouble()).as(usage.toString()).isZero();
      assertThat(usage.get("runningExecutions").asInt()).isZero();
    });
  }

  @Test
  void aTwoThousandNodeFanOutRunsEveryNodeOnce(LocalStackExtension.Tenant tenant) {
    int width = 2_000;
    wideFanOut(tenant, width, Duration.ofSeconds(1));

    String id = ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "wide", "version", "1")));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(5), "SUCCEEDED", "FAILED", "ABORTED");
    assertEveryNodeSucceededOnce(execution, width);
    assertNothingStaysReserved(tenant);
  }

  @Test
  void aFanOutFinishesWithEveryNodeOnceWhenTheRouterIsKilledInTheMiddle(LocalStackExtension.Tenant tenant) {
    int width = 600;
    wideFanOut(tenant, width, Duration.ofSeconds(2));
    String id = ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "wide", "version", "1")));
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .until(() -> succeeded(tenant.api().get(tenant.execution(id)).body()) >= 100);

    ServiceProcess router = tenant.stack().service("cluster-router");
    router.kill();
    router.start().awaitHealthy(Duration.ofSeconds(120));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(4), "SUCCEEDED", "FAILED", "ABORTED");
    assertEveryNodeSucceededOnce(execution, width);
    assertNothingStaysReserved(tenant);
  }

  @Test
  void aLaunchPlansMaxParallelismBoundsHowManyNodesRunAtOnce(LocalStackExtension.Tenant tenant) {
    int width = 8;
    wideFanOut(tenant, width, Duration.ofSeconds(2));
    var narrow = tenant.api().post(tenant.scope() + "/launch-plans", Map.of("name", "narrow", "version", "1",
        "workflow", Map.of("name", "fan", "version", "1"), "overrides", Map.of("clusterLabels", Map.of("pool", "wide"), "maxParallelism", 2)));
    assertThat(narrow.status()).as(narrow.body().toString()).isEqualTo(201);

    String id = ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "narrow", "version", "1")));
    // Sampled every 100 ms (nodes run for seconds); only 200 answers count, as a 429 from the org's
    // API rate limit is not an execution.
    java.util.concurrent.atomic.AtomicLong running = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicReference<JsonNode> last = new java.util.concurrent.atomic.AtomicReference<>();
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> {
      var response = tenant.api().get(tenant.execution(id));
      if (response.status() != 200) {
        return false;
      }
      last.set(response.body());
      running.accumulateAndGet(response.body().get("nodes").valueStream()
          .filter(n -> n.get("phase").asString().equals("RUNNING")).count(), Math::max);
      return !response.body().get("endedAt").isNull();
    });
    long mostRunning = running.get();
    JsonNode execution = last.get();

    assertThat(execution.get("phase").asString()).isEqualTo("SUCCEEDED");
    assertThat(mostRunning).as("nodes running at once").isBetween(1L, 2L);
  }

  @Test
  void workflowsAboveTheDocumentedLimitsAreRefusedAtTheField(LocalStackExtension.Tenant tenant) {
    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("noop", List.of(), List.of(), "true", 0, null, Map.of()));
    ObjectNode eager = Tasks.parallel("eager", Map.of("a", "noop")).put("maxParallelism", 1_001);
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 0; i <= 10_000; i++) {
      nodes.put("n" + i, "noop");
    }

    var tooParallel = tenant.api().post(tenant.scope() + "/workflows", eager);
    var tooWide = tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("huge", nodes));

    assertThat(tooParallel.status()).isEqualTo(422);
    assertThat(tooParallel.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/maxParallelism");
    assertThat(tooParallel.body().get("errors").get(0).get("message").asString()).isEqualTo("maxParallelism must be an integer from 1 to 1000");
    assertThat(tooWide.status()).isEqualTo(422);
    assertThat(tooWide.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/nodes");
    assertThat(tooWide.body().get("errors").get(0).get("message").asString()).contains("at most 10000 nodes");
  }
}
