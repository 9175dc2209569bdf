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

/**
 * Two routers serve one deployment (ADR 0009): agents' streams held by one, dispatch decided by
 * either (the other forwards), and when the one holding the streams is killed, its agents reconnect
 * to the survivor and every execution finishes with each node run once.
 */
@ExtendWith(LocalStackExtension.class)
class SeveralRoutersE2E {

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  @AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  private static List<JsonNode> clustersNamed(LocalStackExtension.Tenant tenant, String prefix) {
    return tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body().get("items").valueStream()
        .filter(c -> c.get("name").asString().startsWith(prefix)).toList();
  }

  /** What the first router (the one the gateway calls) handed to agents through its peer. */
  private static double forwardedAssignments(LocalStack stack) {
    var response = new MeridianClient(stack.routerMetricsUrl().replace("/actuator/metrics", ""))
        .get("/actuator/metrics/meridian.router.assignments.forwarded");
    return response.status() == 200 ? response.body().get("measurements").get(0).get("value").asDouble() : 0;
  }

  @Test
  void executionsFinishWithEveryNodeOnceWhenTheRouterHoldingTheAgentsIsKilled(LocalStackExtension.Tenant tenant) {
    stack = tenant.stack();
    String second = stack.addRouter();
    // Both agents prefer the second router; the first, which the gateway calls, reaches them only through it.
    String target = stack.agentEndpointTarget(second) + "," + stack.agentEndpointTarget("cluster-router");
    for (String name : List.of("pair-a", "pair-b")) {
      var registered = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters",
          Map.of("name", name, "region", "test", "labels", Map.of("pool", "pair")));
      assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
      String agent = name + "-" + tenant.org();
      agents.add(agent);
      stack.startAgent(agent, registered.body().get("token").asString(),
          LocalStack.AgentOptions.simulated(Map.of(), Duration.ofMillis(1500)), target);
    }
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(clustersNamed(tenant, "pair-"))
        .hasSize(2).allSatisfy(c -> assertThat(c.get("status").asString()).as("seen through the router that does not hold it").isEqualTo("CONNECTED")));

    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("noop", List.of(), List.of(), "true", 0, null, Map.of()));
    int width = 150;
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 0; i < width; i++) {
      nodes.put("n" + i, "noop");
    }
    assertThat(tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("pair", nodes)).status()).isIn(200, 201);
    assertThat(tenant.api().post(tenant.scope() + "/launch-plans", Map.of("name", "pair", "version", "1",
        "workflow", Map.of("name", "pair", "version", "1"), "overrides", Map.of("clusterLabels", Map.of("pool", "pair")))).status())
        .isIn(200, 201);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "pair", "version", "1"))));
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .until(() -> ids.stream().mapToLong(id -> LargeExecutionE2E.succeeded(tenant.api().get(tenant.execution(id)).body())).sum() >= 60);

    assertThat(ids).as("while both routers run, no attempt is taken for lost").allSatisfy(id ->
        assertThat(tenant.api().get(tenant.execution(id)).body().get("nodes").valueStream()
            .flatMap(node -> node.get("attempts").valueStream()).map(attempt -> attempt.get("phase").asString())).doesNotContain("LOST"));

    assertThat(forwardedAssignments(stack)).as("tasks the first router dispatched through the second").isPositive();

    stack.service(second).kill();

    for (String id : ids) {
      JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofMinutes(4), "SUCCEEDED", "FAILED", "ABORTED");
      LargeExecutionE2E.assertEveryNodeSucceededOnce(execution, width);
    }
    LargeExecutionE2E.assertNothingStaysReserved(tenant);
    assertThat(clustersNamed(tenant, "pair-")).as("the agents reconnected to the surviving router")
        .allSatisfy(c -> assertThat(c.get("status").asString()).isEqualTo("CONNECTED"));
  }
}
