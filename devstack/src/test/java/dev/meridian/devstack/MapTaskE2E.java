package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.agent.backend.SimulatedBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Map nodes on a simulated cluster: thousands of items, failures within and beyond the success
 * ratio, terminate, a router crash in the middle, the item limit, and another org looking in.
 */
@ExtendWith(LocalStackExtension.class)
class MapTaskE2E {

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  @AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  /**
   * A simulated cluster whose attempts take {@code taskDuration}; task {@code item} (fails when its
   * input {@code fail} is true, outputs {@code y}); workflow {@code sweep} version {@code version}
   * mapping it over the input {@code fails}.
   */
  private void sweep(LocalStackExtension.Tenant tenant, String version, Duration taskDuration, Map<String, Object> map) {
    stack = tenant.stack();
    String name = "maps-" + tenant.org();
    if (!agents.contains(name)) {
      var registered = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters",
          Map.of("name", "maps", "region", "test", "labels", Map.of("pool", "maps")));
      assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
      agents.add(name);
      stack.startAgent(name, registered.body().get("token").asString(), LocalStack.AgentOptions.simulated(Map.of(), taskDuration));
      await().atMost(Duration.ofSeconds(60)).until(() -> tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body()
          .get("items").valueStream().anyMatch(c -> c.get("name").asString().equals("maps") && c.get("status").asString().equals("CONNECTED")));
      ObjectNode task = Tasks.shell("item", List.of(), List.of("y"), "true", 0, null, Map.of(SimulatedBackend.FAIL_WHEN_INPUT, "fail"));
      ((ObjectNode) task.get("interface")).putObject("inputs").putObject("fail").put("type", "boolean");
      var created = tenant.api().post(tenant.scope() + "/tasks", task);
      assertThat(created.status()).as(created.body().toString()).isIn(200, 201);
    }
    ObjectNode workflow = MeridianClient.JSON.createObjectNode().put("name", "sweep").put("version", version);
    ObjectNode iface = workflow.putObject("interface");
    iface.putObject("inputs").putObject("fails").put("type", "collection").putObject("of").put("type", "boolean");
    iface.putObject("outputs").putObject("ys").put("type", "collection").putObject("of").put("type", "optional")
        .putObject("of").put("type", "integer");
    ObjectNode node = workflow.putArray("nodes").addObject().put("id", "item");
    ObjectNode spec = node.putObject("map");
    spec.putObject("task").put("name", "item").put("version", "1");
    spec.put("input", "fail");
    map.forEach((key, value) -> spec.set(key, MeridianClient.JSON.valueToTree(value)));
    node.putObject("inputs").putObject("fail").put("fromInput", "fails");
    workflow.putObject("outputs").putObject("ys").put("fromNode", "item").put("output", "y");
    var registered = tenant.api().post(tenant.scope() + "/workflows", workflow);
    assertThat(registered.status()).as(registered.body().toString()).isIn(200, 201);
    // Only on the simulated cluster: the stack's shared process cluster serves every org too.
    var plan = tenant.api().post(tenant.scope() + "/launch-plans", Map.of("name", "sweep", "version", version,
        "workflow", Map.of("name", "sweep", "version", version), "overrides", Map.of("clusterLabels", Map.of("pool", "maps"))));
    assertThat(plan.status()).as(plan.body().toString()).isIn(200, 201);
  }

  /** {@code items} booleans, true at every index divisible by {@code failEvery} (0: none). */
  private static List<Boolean> fails(int items, int failEvery) {
    List<Boolean> fails = new ArrayList<>(items);
    for (int i = 0; i < items; i++) {
      fails.add(failEvery > 0 && i % failEvery == 0);
    }
    return fails;
  }

  private static String launch(LocalStackExtension.Tenant tenant, String version, List<Boolean> fails) {
    return ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "sweep", "version", version), "inputs", Map.of("fails", fails)));
  }

  private static JsonNode mapOf(JsonNode execution) {
    return execution.get("nodes").get(0).get("map");
  }

  /** Every item of the map, paging through the items endpoint. */
  private static List<JsonNode> items(LocalStackExtension.Tenant tenant, String id) {
    List<JsonNode> items = new ArrayList<>();
    String token = null;
    do {
      var page = tenant.api().get(tenant.execution(id) + "/nodes/item/items?limit=500" + (token == null ? "" : "&pageToken=" + token));
      assertThat(page.status()).as(page.body().toString()).isEqualTo(200);
      page.body().get("items").forEach(items::add);
      token = page.body().get("nextPageToken").isNull() ? null : page.body().get("nextPageToken").asString();
    } while (token != null);
    return items;
  }

  @Test
  void aFiveThousandItemMapFinishesWithItsOutputsInItemOrderAndOnlyItsOrgSeesTheItems(LocalStackExtension.Tenant tenant) {
    int size = 5_000;
    sweep(tenant, "1", Duration.ofSeconds(1), Map.of());

    String id = launch(tenant, "1", fails(size, 0));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(6), "SUCCEEDED", "FAILED", "ABORTED");
    assertThat(execution.get("phase").asString()).as(execution.get("error").toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("ys")).hasSize(size).allSatisfy(y -> assertThat(y.asInt()).isEqualTo(1));
    assertThat(execution.get("nodes").get(0).get("attempts")).isEmpty();
    assertThat(mapOf(execution).get("items").asInt()).isEqualTo(size);
    assertThat(mapOf(execution).get("byPhase").get("SUCCEEDED").asInt()).isEqualTo(size);
    assertThat(items(tenant, id)).hasSize(size).allSatisfy(item -> {
      assertThat(item.get("phase").asString()).isEqualTo("SUCCEEDED");
      assertThat(item.get("attempts")).hasSize(1);
    });
    LargeExecutionE2E.assertNothingStaysReserved(tenant);

    var forged = tenant.api().get(tenant.execution(id) + "/nodes/item/items?pageToken=LTE");
    assertThat(forged.status()).as(forged.body().toString()).isEqualTo(422);
    assertThat(forged.body().get("detail").asString()).contains("pageToken is not a token this API returned");

    var stranger = LocalStackExtension.newTenant();
    assertThat(stranger.api().get(tenant.execution(id) + "/nodes/item/items").status()).isEqualTo(404);
    assertThat(stranger.api().get(stranger.execution(id) + "/nodes/item/items").status()).isEqualTo(404);
  }

  @Test
  void aMapSucceedsWithNullsWhereItemsFailedWhileTheRatioHolds(LocalStackExtension.Tenant tenant) {
    sweep(tenant, "2", Duration.ofMillis(200), Map.of("minSuccessRatio", 0.9));

    String id = launch(tenant, "2", fails(100, 20));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(2), "SUCCEEDED", "FAILED", "ABORTED");
    assertThat(execution.get("phase").asString()).as(execution.get("error").toString()).isEqualTo("SUCCEEDED");
    JsonNode ys = execution.get("outputs").get("ys");
    assertThat(ys).hasSize(100);
    for (int i = 0; i < 100; i++) {
      assertThat(ys.get(i).isNull()).as("item " + i).isEqualTo(i % 20 == 0);
    }
    assertThat(mapOf(execution).get("failed").asInt()).isEqualTo(5);
    assertThat(mapOf(execution).get("failedItems")).extracting(JsonNode::asInt).containsExactly(0, 20, 40, 60, 80);
    assertThat(execution.get("nodes").get(0).get("reason").asString()).isEqualTo("5 of 100 items failed");
  }

  @Test
  void aMapFailsWithAClearErrorWhenMoreItemsFailThanItsRatioAllows(LocalStackExtension.Tenant tenant) {
    sweep(tenant, "3", Duration.ofMillis(200), Map.of("minSuccessRatio", 0.9));

    String id = launch(tenant, "3", fails(100, 5));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(2), "SUCCEEDED", "FAILED", "ABORTED");
    assertThat(execution.get("phase").asString()).isEqualTo("FAILED");
    assertThat(execution.get("error").get("node").asString()).isEqualTo("item");
    assertThat(execution.get("error").get("message").asString())
        .startsWith("map node 'item' (task item:1): 11 of 100 items failed, more than the 10 that minSuccessRatio 0.9 allows;")
        .containsPattern("the first failure: item \\d+: node 'item' \\(task item:1\\) failed after 1 attempt: exit code 1: simulated failure");
    LargeExecutionE2E.assertNothingStaysReserved(tenant);
  }

  @Test
  void terminatingAMapStopsEveryItemAndReleasesEveryReservation(LocalStackExtension.Tenant tenant) {
    sweep(tenant, "4", Duration.ofSeconds(30), Map.of("concurrency", 50));
    String id = launch(tenant, "4", fails(300, 0));
    await().atMost(Duration.ofMinutes(1)).until(() -> {
      JsonNode map = mapOf(tenant.api().get(tenant.execution(id)).body());
      return map != null && map.path("byPhase").path("RUNNING").asInt() == 50;
    });

    var terminated = tenant.api().post(tenant.execution(id) + "/terminate", Map.of("reason", "enough"));
    assertThat(terminated.status()).isEqualTo(200);

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(1), "ABORTED");
    assertThat(execution.get("nodes").get(0).get("phase").asString()).isEqualTo("ABORTED");
    LargeExecutionE2E.assertNothingStaysReserved(tenant);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      List<JsonNode> items = items(tenant, id);
      assertThat(items).filteredOn(item -> !item.get("attempts").isEmpty()).hasSize(50)
          .allSatisfy(item -> assertThat(item.get("phase").asString()).isEqualTo("ABORTED"));
      assertThat(items).filteredOn(item -> item.get("phase").asString().equals("NOT_STARTED")).hasSize(250);
    });
  }

  @Test
  void aMapFinishesWithEachItemSucceedingOnceWhenTheRouterIsKilledInTheMiddle(LocalStackExtension.Tenant tenant) {
    int size = 1_500;
    sweep(tenant, "5", Duration.ofSeconds(2), Map.of());
    String id = launch(tenant, "5", fails(size, 0));
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      JsonNode map = mapOf(tenant.api().get(tenant.execution(id)).body());
      return map != null && map.path("byPhase").path("SUCCEEDED").asInt() >= 300;
    });

    ServiceProcess router = tenant.stack().service("cluster-router");
    router.kill();
    router.start().awaitHealthy(Duration.ofSeconds(120));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(5), "SUCCEEDED", "FAILED", "ABORTED");
    assertThat(execution.get("phase").asString()).as(execution.get("error").toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("ys")).hasSize(size);
    assertThat(items(tenant, id)).hasSize(size).allSatisfy(item -> assertThat(item.get("attempts").valueStream()
        .filter(a -> a.get("phase").asString().equals("SUCCEEDED"))).hasSize(1));
    LargeExecutionE2E.assertNothingStaysReserved(tenant);
  }

  @Test
  void aLaunchOverMoreItemsThanAMapRunsOverIsRefusedAtTheInput(LocalStackExtension.Tenant tenant) {
    sweep(tenant, "6", Duration.ofSeconds(1), Map.of());

    var refused = tenant.api().post(tenant.scope() + "/executions", Map.of("launchPlan", Map.of("name", "sweep", "version", "6"),
        "inputs", Map.of("fails", fails(100_001, 0))));

    assertThat(refused.status()).as(refused.body().toString()).isEqualTo(422);
    assertThat(refused.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/inputs/fails");
    assertThat(refused.body().get("errors").get(0).get("message").asString())
        .isEqualTo("map node 'item' runs over at most 100000 items, this input has 100001");
  }
}
