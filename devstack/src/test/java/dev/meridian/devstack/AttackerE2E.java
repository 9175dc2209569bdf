package dev.meridian.devstack;

import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.RedeemSecretsRequest;
import dev.meridian.proto.secrets.v1.IssueGrantRequest;
import dev.meridian.proto.secrets.v1.ListSecretsRequest;
import dev.meridian.proto.secrets.v1.SecretGrantsGrpc;
import dev.meridian.proto.secrets.v1.SecretScope;
import dev.meridian.proto.secrets.v1.SecretsGrpc;
import dev.meridian.proto.secrets.v1.WriteSecretRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.meridian.identity.ClusterCredentials;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.agent.v1.AssignmentAck;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.Heartbeat;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import dev.meridian.proto.events.v1.TaskPhase;
import dev.meridian.proto.router.v1.ClusterRegistryGrpc;
import dev.meridian.proto.router.v1.ExecutionRouterGrpc;
import dev.meridian.proto.router.v1.ListClustersRequest;
import dev.meridian.proto.router.v1.ListExecutionsRequest;
import dev.meridian.proto.router.v1.RegisterClusterRequest;
import dev.meridian.proto.router.v1.Scope;
import dev.meridian.proto.router.v1.TerminateExecutionRequest;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc;
import dev.meridian.proto.tenant.v1.CreateApiKeyRequest;
import dev.meridian.proto.tenant.v1.CreateOrgRequest;
import dev.meridian.proto.tenant.v1.GetOrgQuotasRequest;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc;
import dev.meridian.testkit.DeploymentCa;
import dev.meridian.testkit.KafkaBroker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * A malicious customer: org B, with a valid cluster token and the Kafka principal that comes with
 * it, goes after org A's work on every port the local stack listens on. Everything is refused,
 * nothing of org A changes, and event processing goes on.
 */
@ExtendWith(LocalStackExtension.class)
class AttackerE2E {

  private record Attempt(String channel, Supplier<ManagedChannel> open) {}

  @Test
  void noInternalMethodAnswersWithoutAServiceIdentityOnAnyPort(LocalStackExtension.Tenant victim) throws Exception {
    LocalStack stack = victim.stack();
    JsonNode keysBefore = victim.api().get("/api/v1/orgs/" + victim.org() + "/api-keys").body().get("items");
    DeploymentCa foreign = DeploymentCa.in(Files.createTempDirectory("foreign-ca"));
    DeploymentCa.Identity forgedGateway = foreign.identity("gateway");
    ServiceTls forged = new ServiceTls(stack.ca().caFile(), forgedGateway.certificate(), forgedGateway.privateKey());
    DeploymentCa.Identity agentLike = stack.ca().identity("execution-agent");
    ServiceTls wrongService = new ServiceTls(agentLike.ca(), agentLike.certificate(), agentLike.privateKey());

    Map<String, Function<ManagedChannel, Object>> methods = new LinkedHashMap<>();
    String org = victim.org();
    methods.put("ApiKeys/CreateApiKey", c -> ApiKeysGrpc.newBlockingStub(c).createApiKey(
        CreateApiKeyRequest.newBuilder().setOrg(org).setName("pwned").setRole("owner").build()));
    methods.put("TenantDirectory/CreateOrg", c -> TenantDirectoryGrpc.newBlockingStub(c).createOrg(
        CreateOrgRequest.newBuilder().setSlug("pwned-" + org).setName("x").setOwnerEmail("x@x.test").build()));
    methods.put("QuotaConfig/GetOrgQuotas", c -> QuotaConfigGrpc.newBlockingStub(c).getOrgQuotas(
        GetOrgQuotasRequest.newBuilder().setOrg(org).build()));
    methods.put("ClusterRegistry/RegisterCluster", c -> ClusterRegistryGrpc.newBlockingStub(c).registerCluster(
        RegisterClusterRequest.newBuilder().setOrg(org).setName("pwned").build()));
    methods.put("ClusterRegistry/ListClusters", c -> ClusterRegistryGrpc.newBlockingStub(c).listClusters(
        ListClustersRequest.newBuilder().setOrg("*").build()));
    methods.put("ExecutionRouter/ListExecutions", c -> ExecutionRouterGrpc.newBlockingStub(c).listExecutions(
        ListExecutionsRequest.newBuilder().setScope(Scope.newBuilder().setOrg(org).setProject("proj").setDomain("development")).build()));
    methods.put("ExecutionRouter/TerminateExecution", c -> ExecutionRouterGrpc.newBlockingStub(c).terminateExecution(
        TerminateExecutionRequest.newBuilder().setScope(Scope.newBuilder().setOrg(org).setProject("proj").setDomain("development")).setExecutionId("any").build()));

    methods.put("Secrets/ListSecrets", c -> SecretsGrpc.newBlockingStub(c).listSecrets(ListSecretsRequest.newBuilder().setOrg(org).build()));
    methods.put("Secrets/WriteSecret", c -> SecretsGrpc.newBlockingStub(c).writeSecret(WriteSecretRequest.newBuilder()
        .setSecret(SecretScope.newBuilder().setOrg(org).setName("planted")).setValue("x").setActor("attacker").build()));
    methods.put("SecretGrants/IssueGrant", c -> SecretGrantsGrpc.newBlockingStub(c).issueGrant(IssueGrantRequest.newBuilder()
        .setOrg(org).setProject("proj").setDomain("development").setExecutionId("e").setNodeId("n").setAttempt(1).setClusterId("mine")
        .build()));
    methods.put("AgentService/RedeemSecrets", c -> AgentServiceGrpc.newBlockingStub(c).redeemSecrets(RedeemSecretsRequest.newBuilder()
        .setToken("forged-token").setAttemptId("e/n/1").setGrantId("guessed").build()));

    List<String> answered = new ArrayList<>();
    for (String target : List.of(stack.tenantInternalTarget(), stack.routerInternalTarget(), stack.secretsInternalTarget(),
        stack.agentEndpointTarget(), stack.infrastructure().temporal().target())) {
      List<Attempt> attempts = List.of(
          new Attempt("plaintext", () -> NettyChannelBuilder.forTarget(target).usePlaintext().build()),
          new Attempt("TLS without a client certificate", () -> ServiceChannels.toAgentEndpoint(target, stack.ca().caFile())),
          new Attempt("a certificate of another deployment", () -> ServiceChannels.toService(target, forged)),
          new Attempt("a certificate of a service not allowed to call", () -> ServiceChannels.toService(target, wrongService)));
      for (Attempt attempt : attempts) {
        for (var method : methods.entrySet()) {
          ManagedChannel channel = attempt.open().get();
          try {
            method.getValue().apply(channel);
            answered.add(method.getKey() + " on " + target + " with " + attempt.channel());
          } catch (StatusRuntimeException refused) {
            assertThat(refused.getStatus().getCode()).as(method.getKey() + " on " + target + " with " + attempt.channel())
                .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.UNIMPLEMENTED);
          } finally {
            channel.shutdownNow();
          }
        }
      }
    }

    // Each service identity reaches only its own part of the broker.
    DeploymentCa.Identity gateway = stack.ca().identity("gateway");
    DeploymentCa.Identity router = stack.ca().identity("cluster-router");
    for (var crossing : Map.of("SecretGrants/IssueGrant", gateway, "Secrets/ListSecrets", router, "Secrets/WriteSecret", router).entrySet()) {
      ManagedChannel channel = ServiceChannels.toService(stack.secretsInternalTarget(),
          new ServiceTls(crossing.getValue().ca(), crossing.getValue().certificate(), crossing.getValue().privateKey()));
      try {
        methods.get(crossing.getKey()).apply(channel);
        answered.add(crossing.getKey() + " as another service");
      } catch (StatusRuntimeException refused) {
        assertThat(refused.getStatus().getCode()).as(crossing.getKey()).isEqualTo(Status.Code.PERMISSION_DENIED);
      } finally {
        channel.shutdownNow();
      }
    }

    assertThat(answered).as("internal methods that answered an outsider").isEmpty();
    assertThat(victim.api().get("/api/v1/orgs/" + victim.org() + "/secrets").body().get("items")).isEmpty();
    assertThat(victim.api().get("/api/v1/orgs/" + victim.org() + "/api-keys").body().get("items")).isEqualTo(keysBefore);
    assertThat(victim.api().get("/api/v1/orgs/" + victim.org() + "/clusters").body().get("items")).isEmpty();
  }

  @Test
  void anotherOrgsClusterCanNeitherTouchNorForgeNorReadAnotherOrgsAttempts(LocalStackExtension.Tenant victim) throws Exception {
    LocalStack stack = victim.stack();
    LocalStackExtension.Tenant attacker = LocalStackExtension.newTenant();
    var registered = attacker.api().post("/api/v1/orgs/" + attacker.org() + "/clusters", Map.of("name", "evil", "region", "test"));
    assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
    String token = registered.body().get("token").asString();
    assertThat(registered.body().get("kafka").get("username").asString()).isEqualTo(ClusterCredentials.kafkaUsername(token));
    try (var admin = org.apache.kafka.clients.admin.Admin.create(stack.infrastructure().kafka().clientProperties(KafkaBroker.ADMIN))) {
      var quotas = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(List.of(
          org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntity(org.apache.kafka.common.quota.ClientQuotaEntity.USER,
              ClusterCredentials.kafkaUsername(token))))).entities().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(quotas.values()).as("the broker throttles what one cluster writes").singleElement()
          .satisfies(quota -> assertThat(quota).containsEntry("producer_byte_rate", 1048576.0));
    }

    victim.api().post(victim.scope() + "/tasks", Tasks.shell("slow", List.of(), List.of("y"),
        "sleep 8; printf '{\"y\": 7}' > \"$MERIDIAN_OUTPUTS\"", 0, null, Map.of()));
    var workflow = Tasks.parallel("slow", Map.of("only", "slow"));
    workflow.putObject("interface").putObject("outputs").putObject("y").put("type", "integer");
    workflow.putObject("outputs").putObject("y").put("fromNode", "only").put("output", "y");
    var registeredWorkflow = victim.api().post(victim.scope() + "/workflows", workflow);
    assertThat(registeredWorkflow.status()).as(registeredWorkflow.body().toString()).isEqualTo(201);
    String id = ExecutionE2E.launch(victim, Map.of("workflow", Map.of("name", "slow", "version", "1")));
    await().atMost(Duration.ofSeconds(30)).until(() -> victim.api().get(victim.execution(id)).body()
        .get("nodes").get(0).get("attempts").path(0).path("phase").asString("").equals("RUNNING"));
    String attemptId = id + "/only/1";
    double rejectedBefore = ForgedEvents.rejectedEvents(stack);

    ManagedChannel agentEndpoint = stack.agentChannel();
    try (var producer = new KafkaProducer<>(stack.infrastructure().kafka().clientProperties(ClusterCredentials.kafkaUsername(token), token),
        new StringSerializer(), new ByteArraySerializer())) {
      // On the agent stream: claim the victim's attempt as its own, acknowledge it, heartbeat it.
      var stream = ForgedEvents.connectAs(agentEndpoint, token, List.of(attemptId));
      stream.out().onNext(AgentMessage.newBuilder().setAck(AssignmentAck.newBuilder().setAttemptId(attemptId)).build());
      stream.out().onNext(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().addKnownAttemptIds(attemptId)).build());

      TaskEvent.Builder forged = TaskEvent.newBuilder().setOrg(victim.org()).setExecutionId(id).setNodeId("only").setAttempt(1)
          .setAttemptId(attemptId).setPhase(TaskPhase.TASK_PHASE_SUCCEEDED).setOutputsJson("{\"y\":666}").setExitCode(0)
          .setOccurredAt(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000));
      // The id the real agent will use: guessable, and useless to anyone else.
      byte[] asItself = ForgedEvents.signed(forged.setEventId(attemptId + "/SUCCEEDED").setCluster(stream.welcome().getCluster()).build(),
          stream.welcome());
      ForgedEvents.send(producer, id, asItself);
      ForgedEvents.send(producer, id, asItself);
      ForgedEvents.send(producer, id, ForgedEvents.signed(forged.setCluster("local").build(), stream.welcome()));
      ForgedEvents.send(producer, id, SignedTaskEvent.newBuilder().setEvent(forged.build().toByteString())
          .setKeyId(stream.welcome().getEventSigningKeyId()).setSignature(ByteString.copyFromUtf8("nope")).build().toByteArray());
      ForgedEvents.send(producer, id, "garbage that is no protobuf at all \u0000\u0001".getBytes());
      producer.flush();
      await().atMost(Duration.ofSeconds(20)).until(() -> ForgedEvents.rejectedEvents(stack) >= rejectedBefore + 5);
      assertThat(stream.received()).as("the router cancels, on the intruder's own stream, what it claimed to run")
          .anySatisfy(message -> assertThat(message.getCancel().getAttemptId()).isEqualTo(attemptId));
      stream.out().onCompleted();
    } finally {
      agentEndpoint.shutdownNow();
    }

    JsonNode done = ExecutionE2E.awaitPhase(victim, id, Duration.ofSeconds(60), "SUCCEEDED", "FAILED", "ABORTED");
    assertThat(done.get("phase").asString()).isEqualTo("SUCCEEDED");
    assertThat(done.get("outputs").get("y").asInt()).as("the real output, not the forged 666").isEqualTo(7);
    assertThat(done.get("nodes").get(0).get("attempts").get(0).get("cluster").asString()).isEqualTo("local");
    assertThat(deadLetters(stack, id)).as("every refused record is kept with its reason").hasSizeGreaterThanOrEqualTo(5);

    // Its principal may write task events and do nothing else: reading them is refused.
    Map<String, Object> reader = new HashMap<>(stack.infrastructure().kafka().clientProperties(ClusterCredentials.kafkaUsername(token), token));
    reader.put(ConsumerConfig.GROUP_ID_CONFIG, "cluster-router");
    try (var snoop = new KafkaConsumer<>(reader, new StringDeserializer(), new ByteArrayDeserializer())) {
      snoop.subscribe(List.of("meridian.task-events.v1"));
      assertThatThrownBy(() -> {
        for (int i = 0; i < 20; i++) {
          snoop.poll(Duration.ofMillis(500));
        }
      }).isInstanceOfAny(GroupAuthorizationException.class, TopicAuthorizationException.class);
    }

    // Processing goes on: the victim's next execution runs as usual.
    String next = ExecutionE2E.launch(victim, Map.of("workflow", Map.of("name", "slow", "version", "1")));
    assertThat(ExecutionE2E.awaitPhase(victim, next, Duration.ofSeconds(60), "SUCCEEDED", "FAILED").get("phase").asString())
        .isEqualTo("SUCCEEDED");
  }

  /** Refused records of execution {@code id} on the dead-letter topic, read as the broker's super user. */
  private static List<String> deadLetters(LocalStack stack, String id) {
    Map<String, Object> admin = new HashMap<>(stack.infrastructure().kafka().clientProperties(KafkaBroker.ADMIN));
    try (var consumer = new KafkaConsumer<>(admin, new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition("meridian.task-events.dlt.v1", 0);
      consumer.assign(Set.of(partition));
      consumer.seekToBeginning(Set.of(partition));
      List<String> reasons = new ArrayList<>();
      long end = consumer.endOffsets(Set.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        consumer.poll(Duration.ofMillis(500)).forEach(record -> {
          if (id.equals(record.key())) {
            reasons.add(new String(record.headers().lastHeader("meridian-rejected-because").value()));
          }
        });
      }
      return reasons;
    }
  }
}
