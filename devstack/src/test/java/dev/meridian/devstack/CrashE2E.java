package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** Processes of the control plane die with SIGKILL mid-execution; nothing is lost, nothing runs twice. */
@ExtendWith(LocalStackExtension.class)
class CrashE2E {

  /** A three-node chain whose nodes append to a ledger when they run, sleep, and output x + 1. */
  private static String launchChain(LocalStackExtension.Tenant tenant, Path ledger, int sleepSeconds) {
    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("step", List.of("x"), List.of("y"),
        "echo \"$MERIDIAN_NODE_ID attempt $MERIDIAN_ATTEMPT\" >> \"$LEDGER\"; sleep " + sleepSeconds
            + "; printf '{\"y\": %d}' $((MERIDIAN_INPUT_X + 1)) > \"$MERIDIAN_OUTPUTS\"",
        0, null, Map.of("LEDGER", ledger.toString())));
    tenant.api().post(tenant.scope() + "/workflows", Tasks.chain("chain", "step", 3));
    return ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "chain", "version", "1"), "inputs", Map.of("x", 10)));
  }

  /** A file every task may append to: tasks of the shared cluster run as their org's own user. */
  private static Path ledger() throws IOException {
    Path ledger = Files.createTempFile("ledger", ".txt");
    Files.setPosixFilePermissions(ledger, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    return ledger;
  }

  private static void awaitNodeRunning(LocalStackExtension.Tenant tenant, String id, int node) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode attempts = tenant.api().get(tenant.execution(id)).body().get("nodes").get(node).get("attempts");
      assertThat(attempts).isNotEmpty();
      assertThat(attempts.get(attempts.size() - 1).get("phase").asString()).isEqualTo("RUNNING");
    });
  }

  @Test
  void executionCompletesWhenTheRouterIsKilledWhileTheSecondNodeRuns(LocalStackExtension.Tenant tenant) throws IOException {
    Path ledger = ledger();
    String id = launchChain(tenant, ledger, 6);
    awaitNodeRunning(tenant, id, 1);

    ServiceProcess router = tenant.stack().service("cluster-router");
    router.kill();
    router.start().awaitHealthy(Duration.ofSeconds(120));

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("y").asInt()).isEqualTo(13);
    assertThat(Files.readAllLines(ledger)).containsExactly("n1 attempt 1", "n2 attempt 1", "n3 attempt 1");
    assertThat(execution.get("nodes")).allSatisfy(node -> {
      assertThat(node.get("attempts")).hasSize(1);
      assertThat(node.get("attempts").get(0).get("phase").asString()).isEqualTo("SUCCEEDED");
    });
  }

  @Test
  void attemptOfAKilledAgentIsReportedLostAndRetried(LocalStackExtension.Tenant tenant) throws IOException {
    Path ledger = ledger();
    String id = launchChain(tenant, ledger, 4);
    awaitNodeRunning(tenant, id, 1);

    ServiceProcess agent = tenant.stack().service("execution-agent");
    agent.kill();
    agent.start();

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("y").asInt()).isEqualTo(13);
    JsonNode second = execution.get("nodes").get(1).get("attempts");
    assertThat(second).extracting(a -> a.get("phase").asString()).containsExactly("LOST", "SUCCEEDED");
    // The restarted agent reports what it lost; on a loaded machine its JVM may start after the
    // router already declared the cluster lost (8 s of silence in the local stack). Either is LOST.
    assertThat(second.get(0).get("reason").asString()).containsAnyOf("restarted", "has not been heard from");
    assertThat(execution.get("nodes").get(0).get("attempts")).hasSize(1);
    assertThat(execution.get("nodes").get(2).get("attempts")).hasSize(1);
  }
}
