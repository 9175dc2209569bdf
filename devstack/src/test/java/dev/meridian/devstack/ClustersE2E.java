package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.meridian.identity.ClusterCredentials;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.agent.v1.Welcome;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import dev.meridian.proto.events.v1.TaskPhase;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@ExtendWith(LocalStackExtension.class)
class ClustersE2E {

  private static String register(LocalStackExtension.Tenant tenant, String name, Map<String, String> labels) {
    var response = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters", Map.of("name", name, "region", "test", "labels", labels));
    assertThat(response.status()).as(response.body().toString()).isEqualTo(201);
    return response.body().get("token").asString();
  }

  private static Map<String, String> clusterIds(LocalStackExtension.Tenant tenant) {
    Map<String, String> ids = new java.util.HashMap<>();
    tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body().get("items")
        .forEach(c -> ids.put(c.get("name").asString(), c.get("id").asString()));
    return ids;
  }

  private static void awaitConnected(LocalStackExtension.Tenant tenant, String... names) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Map<String, String> status = new java.util.HashMap<>();
      tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body().get("items")
          .forEach(c -> status.put(c.get("name").asString(), c.get("status").asString()));
      for (String name : names) {
        assertThat(status).containsEntry(name, "CONNECTED");
      }
    });
  }

  @Test
  void registersAClusterShowingItsTokenOnceAndListsItWithoutIt(LocalStackExtension.Tenant tenant) {
    var response = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters", Map.of("name", "eu-1", "region", "eu", "labels", Map.of("tier", "gold")));

    assertThat(response.status()).isEqualTo(201);
    String token = response.body().get("token").asString();
    assertThat(token).startsWith("mrdc_");
    assertThat(response.body().get("install").get("helm").asString()).contains("--set clusterToken=" + token);
    JsonNode listed = tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body().get("items");
    assertThat(listed).singleElement().satisfies(cluster -> {
      assertThat(cluster.get("status").asString()).isEqualTo("PENDING");
      assertThat(cluster.has("token")).isFalse();
      assertThat(cluster.get("labels").get("tier").asString()).isEqualTo("gold");
    });
    assertThat(tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters", Map.of("name", "eu-1")).status()).isEqualTo(409);

    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    String id = listed.get(0).get("id").asString();
    assertThat(other.api().get("/api/v1/orgs/" + other.org() + "/clusters").body().get("items")).isEmpty();
    assertThat(other.api().post("/api/v1/orgs/" + other.org() + "/clusters/" + id + "/cordon", Map.of()).status()).isEqualTo(404);
    assertThat(other.api().delete("/api/v1/orgs/" + other.org() + "/clusters/" + id + "?force=true").status()).isEqualTo(404);
  }

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  private void startAgent(LocalStackExtension.Tenant tenant, String name, String token, LocalStack.AgentOptions options) {
    stack = tenant.stack();
    agents.add(name);
    stack.startAgent(name, token, options);
  }

  @org.junit.jupiter.api.AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  @Test
  void gpuTasksLandOnlyWhereTheirTypeExistsAndFailOverWhenTheirAgentDies(LocalStackExtension.Tenant tenant) {
    LocalStack stack = tenant.stack();
    String suffix = tenant.org();
    startAgent(tenant, "h100-a-" + suffix, register(tenant, "h100-a", Map.of()),
        LocalStack.AgentOptions.simulated(Map.of("nvidia-h100", 2), Duration.ofSeconds(6)));
    startAgent(tenant, "h100-b-" + suffix, register(tenant, "h100-b", Map.of()),
        LocalStack.AgentOptions.simulated(Map.of("nvidia-h100", 2), Duration.ofSeconds(6)));
    startAgent(tenant, "a10-" + suffix, register(tenant, "a10", Map.of()),
        LocalStack.AgentOptions.simulated(Map.of("nvidia-a10", 4), Duration.ofSeconds(6)));
    awaitConnected(tenant, "h100-a", "h100-b", "a10");
    Map<String, String> ids = clusterIds(tenant);
    tenant.api().post(tenant.scope() + "/tasks", Tasks.gpu("on-h100", "nvidia-h100", "1"));
    tenant.api().post(tenant.scope() + "/tasks", Tasks.gpu("on-a10", "nvidia-a10", "1"));
    assertThat(tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("gpus", Map.of(
        "h1", "on-h100", "h2", "on-h100", "h3", "on-h100", "h4", "on-h100", "a1", "on-a10", "a2", "on-a10"))).status()).isEqualTo(201);
    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "gpus", "version", "1")));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      JsonNode execution = tenant.api().get(tenant.execution(id)).body();
      for (JsonNode node : execution.get("nodes")) {
        for (JsonNode attempt : node.get("attempts")) {
          if (attempt.get("cluster").asString().equals(ids.get("h100-a")) && attempt.get("phase").asString().equals("RUNNING")) {
            return true;
          }
        }
      }
      return false;
    });

    stack.service("h100-a-" + suffix).kill();

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    List<String> lostOn = new ArrayList<>();
    for (JsonNode node : execution.get("nodes")) {
      Set<String> allowed = node.get("id").asString().startsWith("h")
          ? Set.of(ids.get("h100-a"), ids.get("h100-b")) : Set.of(ids.get("a10"));
      JsonNode attempts = node.get("attempts");
      for (JsonNode attempt : attempts) {
        assertThat(attempt.get("cluster").asString()).isIn(allowed);
        if (attempt.get("phase").asString().equals("LOST")) {
          lostOn.add(attempt.get("cluster").asString());
        }
      }
      assertThat(attempts.get(attempts.size() - 1).get("phase").asString()).isEqualTo("SUCCEEDED");
    }
    assertThat(lostOn).isNotEmpty().containsOnly(ids.get("h100-a"));
  }

  @Test
  void forgedEventsFromAnotherClusterAreRejectedAndCounted(LocalStackExtension.Tenant tenant) throws Exception {
    LocalStack stack = tenant.stack();
    String intruderToken = register(tenant, "intruder", Map.of());
    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("long", List.of(), List.of("y"), "sleep 60; echo done", 0, null, Map.of()));
    tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("long", Map.of("only", "long")));
    // The intruder cluster is pending, so placement waits for... the shared local cluster, which serves every org.
    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "long", "version", "1")));
    await().atMost(Duration.ofSeconds(30)).until(() ->
        tenant.api().get(tenant.execution(id)).body().get("nodes").get(0).get("attempts").path(0).path("phase").asString("").equals("RUNNING"));
    String attemptId = id + "/only/1";
    double rejectedBefore = ForgedEvents.rejectedEvents(stack);

    ManagedChannel channel = stack.agentChannel();
    // The intruder writes with its own cluster's Kafka principal: writing task events is what that principal may do.
    try (var producer = new KafkaProducer<>(stack.infrastructure().kafka().clientProperties(ClusterCredentials.kafkaUsername(intruderToken), intruderToken),
        new StringSerializer(), new ByteArraySerializer())) {
      Welcome welcome = ForgedEvents.connectAs(channel, intruderToken);
      TaskEvent.Builder forged = TaskEvent.newBuilder().setOrg(tenant.org()).setExecutionId(id).setNodeId("only").setAttempt(1)
          .setAttemptId(attemptId).setPhase(TaskPhase.TASK_PHASE_SUCCEEDED).setOutputsJson("{\"y\":666}").setExitCode(0)
          .setOccurredAt(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000));
      // Its own identity, honestly signed: not the attempt's cluster.
      ForgedEvents.send(producer, id, ForgedEvents.signed(forged.setEventId("forged-1").setCluster(welcome.getCluster()).build(), welcome));
      // Claiming to be the cluster that runs the attempt, signed with its own key.
      ForgedEvents.send(producer, id, ForgedEvents.signed(forged.setEventId("forged-2").setCluster("local").build(), welcome));
      // No valid signature at all.
      ForgedEvents.send(producer, id, SignedTaskEvent.newBuilder().setEvent(forged.setEventId("forged-3").build().toByteString())
          .setKeyId(welcome.getEventSigningKeyId()).setSignature(ByteString.copyFromUtf8("nope")).build().toByteArray());
      producer.flush();
    } finally {
      channel.shutdownNow();
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> ForgedEvents.rejectedEvents(stack) >= rejectedBefore + 3);
    JsonNode execution = tenant.api().get(tenant.execution(id)).body();
    assertThat(execution.get("phase").asString()).isEqualTo("RUNNING");
    assertThat(execution.get("nodes").get(0).get("attempts").get(0).get("phase").asString()).isEqualTo("RUNNING");
    tenant.api().post(tenant.execution(id) + "/terminate", Map.of("reason", "test over"));
  }

  @Test
  void aTaskNoClusterCanEverRunIsRefusedAtLaunchNamingTheNode(LocalStackExtension.Tenant tenant) {
    tenant.api().post(tenant.scope() + "/tasks", Tasks.gpu("on-b200", "nvidia-b200", "1"));
    tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("b200", Map.of("big", "on-b200")));

    var response = tenant.api().post(tenant.scope() + "/executions", Map.of("workflow", Map.of("name", "b200", "version", "1")));

    assertThat(response.status()).isEqualTo(422);
    JsonNode error = response.body().get("errors").get(0);
    assertThat(error.get("pointer").asString()).isEqualTo("/workflow");
    assertThat(error.get("message").asString()).contains("node 'big'", "nvidia-b200");
    assertThat(tenant.api().get(tenant.scope() + "/executions").body().get("items")).isEmpty();
  }

  @Test
  void cordonedClustersGetNoNewWorkAndDeleteWaitsForRunningWorkUnlessForced(LocalStackExtension.Tenant tenant) {
    startAgent(tenant, "a10-solo-" + tenant.org(), register(tenant, "solo", Map.of()),
        LocalStack.AgentOptions.simulated(Map.of("nvidia-a10", 1), Duration.ofSeconds(30)));
    awaitConnected(tenant, "solo");
    String cluster = clusterIds(tenant).get("solo");
    String clusters = "/api/v1/orgs/" + tenant.org() + "/clusters/";
    tenant.api().post(tenant.scope() + "/tasks", Tasks.gpu("on-a10", "nvidia-a10", "1"));
    tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("one", Map.of("n", "on-a10")));
    assertThat(tenant.api().post(clusters + cluster + "/cordon", Map.of()).body().get("status").asString()).isEqualTo("CORDONED");

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "one", "version", "1")));

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(tenant.api().get(tenant.execution(id)).body().get("nodes").get(0).get("reason").asString("")).contains("solo is cordoned"));
    tenant.api().post(clusters + cluster + "/uncordon", Map.of());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(tenant.api().get(tenant.execution(id)).body().get("nodes").get(0).get("phase").asString()).isEqualTo("RUNNING"));
    var refused = tenant.api().delete(clusters + cluster);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body().get("detail").asString()).contains("runs 1 attempts", "force=true");
    assertThat(tenant.api().delete(clusters + cluster + "?force=true").status()).isEqualTo(200);
    assertThat(tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body().get("items")).isEmpty();
    tenant.api().post(tenant.execution(id) + "/terminate", Map.of());
  }
}
