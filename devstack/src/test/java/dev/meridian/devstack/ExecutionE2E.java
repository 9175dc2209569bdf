package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

@ExtendWith(LocalStackExtension.class)
class ExecutionE2E {

  static JsonNode awaitPhase(LocalStackExtension.Tenant tenant, String id, Duration timeout, String... phases) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(timeout).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      var response = tenant.api().get(tenant.execution(id));
      assertThat(response.status()).isEqualTo(200);
      last[0] = response.body();
      assertThat(response.body().get("phase").asString()).isIn((Object[]) phases);
    });
    return last[0];
  }

  static String launch(LocalStackExtension.Tenant tenant, Object body) {
    var response = tenant.api().post(tenant.scope() + "/executions", body);
    assertThat(response.status()).as(response.body().toString()).isEqualTo(201);
    assertThat(response.body().get("phase").asString()).isEqualTo("QUEUED");
    return response.body().get("id").asString();
  }

  @Test
  void diamondWorkflowSucceedsWithOutputsComputedFromItsInputs(LocalStackExtension.Tenant tenant) {
    String id = launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 2)));

    JsonNode execution = awaitPhase(tenant, id, Duration.ofSeconds(60), "SUCCEEDED", "FAILED");

    assertThat(execution.get("phase").asString()).isEqualTo("SUCCEEDED");
    // n=2: prepare 3, square 9, cube 27, combine 36
    assertThat(execution.get("outputs").get("total").asInt()).isEqualTo(36);
    assertThat(execution.get("nodes")).extracting(n -> n.get("phase").asString()).containsOnly("SUCCEEDED");
    assertThat(execution.get("nodes")).allSatisfy(node -> assertThat(node.get("attempts")).hasSize(1));
    assertThat(execution.get("startedAt").isNull()).isFalse();
    assertThat(execution.get("endedAt").isNull()).isFalse();
  }

  @Test
  void theSweepExampleSquaresEveryItemOfItsListAsProcessesAndKeepsTheirOrder(LocalStackExtension.Tenant tenant) {
    String id = launch(tenant, Examples.load("execution-sweep.json"));

    JsonNode execution = awaitPhase(tenant, id, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");

    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("squares")).extracting(JsonNode::asInt).containsExactly(1, 4, 9, 16, 25, 36, 49, 64, 81, 100);
    assertThat(execution.get("nodes").get(0).get("map").get("byPhase").get("SUCCEEDED").asInt()).isEqualTo(10);
  }

  @Test
  void launchPlanDefaultsApplyWhenInputsAreOmitted(LocalStackExtension.Tenant tenant) {
    String id = launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));

    JsonNode execution = awaitPhase(tenant, id, Duration.ofSeconds(60), "SUCCEEDED", "FAILED");

    assertThat(execution.get("inputs").get("n").asInt()).isEqualTo(2);
    assertThat(execution.get("outputs").get("total").asInt()).isEqualTo(36);
  }

  @Test
  void failingTaskIsRetriedThenEndsFailedWithNodeExitCodeAndLastLogLines(LocalStackExtension.Tenant tenant) {
    String id = launch(tenant, Map.of("workflow", Map.of("name", "quickstart.flaky", "version", "1"), "inputs", Map.of("x", -1)));

    JsonNode execution = awaitPhase(tenant, id, Duration.ofSeconds(60), "SUCCEEDED", "FAILED");

    assertThat(execution.get("phase").asString()).isEqualTo("FAILED");
    JsonNode error = execution.get("error");
    assertThat(error.get("node").asString()).isEqualTo("check");
    assertThat(error.get("message").asString())
        .contains("node 'check'", "after 3 attempts", "exit code 3", "x must not be negative", "trying with x=-1 (attempt 3)");
    JsonNode attempts = execution.get("nodes").get(0).get("attempts");
    assertThat(attempts).extracting(a -> a.get("phase").asString()).containsExactly("FAILED", "FAILED", "FAILED");
    assertThat(attempts).extracting(a -> a.get("exitCode").asInt()).containsExactly(3, 3, 3);
    assertThat(attempts.get(0).get("logsUri").asString()).startsWith("file:").endsWith("/check/1/task.log");
  }

  @Test
  void terminateStopsARunningTaskWithinFiveSecondsAndEndsAborted(LocalStackExtension.Tenant tenant) {
    String marker = "meridian-sleeper-" + UUID.randomUUID();
    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("sleeper", List.of("x"), List.of("y"),
        "sleep 300; echo woke # " + marker, 0, null, Map.of()));
    tenant.api().post(tenant.scope() + "/workflows", Tasks.chain("sleepy", "sleeper", 1));
    String id = launch(tenant, Map.of("workflow", Map.of("name", "sleepy", "version", "1"), "inputs", Map.of("x", 1)));
    await().atMost(Duration.ofSeconds(30)).until(() -> runningProcesses(marker) > 0);

    Instant terminated = Instant.now();
    var response = tenant.api().post(tenant.execution(id) + "/terminate", Map.of("reason", "changed my mind"));

    assertThat(response.status()).isEqualTo(200);
    JsonNode execution = awaitPhase(tenant, id, Duration.ofSeconds(5), "ABORTED");
    await().atMost(Duration.ofSeconds(5)).until(() -> runningProcesses(marker) == 0);
    assertThat(Duration.between(terminated, Instant.now())).isLessThan(Duration.ofSeconds(6));
    assertThat(execution.get("error").get("message").asString()).isEqualTo("changed my mind");
    assertThat(execution.get("nodes").get(0).get("phase").asString()).isEqualTo("ABORTED");
  }

  @Test
  void listsExecutionsNewestFirstInPages(LocalStackExtension.Tenant tenant) {
    String first = launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));
    String second = launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));
    String third = launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));

    var page1 = tenant.api().get(tenant.scope() + "/executions?limit=2");
    var page2 = tenant.api().get(tenant.scope() + "/executions?limit=2&pageToken=" + page1.body().get("nextPageToken").asString());

    assertThat(page1.body().get("items")).extracting(e -> e.get("id").asString()).containsExactly(third, second);
    assertThat(page2.body().get("items")).extracting(e -> e.get("id").asString()).containsExactly(first);
    assertThat(page2.body().get("nextPageToken").isNull()).isTrue();
  }

  private static long runningProcesses(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .count();
  }
}
