package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** API.md §Secrets through the public API: write-only values, roles, another org, located refusals. */
@ExtendWith(LocalStackExtension.class)
class SecretsE2E {

  private static final String VALUE = "hf_s3cr3t-that-must-never-come-back-out";

  private static String secrets(LocalStackExtension.Tenant tenant) {
    return "/api/v1/orgs/" + tenant.org() + "/secrets";
  }

  private static MeridianClient as(LocalStackExtension.Tenant tenant, String role) {
    return tenant.api().as(LocalStack.apiKey(tenant.api(), tenant.org(), role));
  }

  @Test
  void anAdminWritesSecretsThatAreListedByNameScopeAndVersionAndNeverShown(LocalStackExtension.Tenant tenant) {
    MeridianClient admin = as(tenant, "admin");

    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE + "-2")).status()).isEqualTo(204);
    assertThat(admin.put(secrets(tenant) + "/hub-token", Map.of("value", VALUE, "project", "proj", "domain", "production")).status())
        .isEqualTo(204);
    var listed = tenant.api().get(secrets(tenant));
    var audit = tenant.api().get(secrets(tenant) + "/audit");

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body().get("items")).extracting(item -> item.get("name").asString() + " " + item.get("project").asString("-") + " "
        + item.get("domain").asString("-") + " v" + item.get("currentVersion").asInt() + " " + item.get("versions"))
        .containsExactly("hub-token - - v2 [1,2]", "hub-token proj production v1 [1]");
    assertThat(listed.body().get("items").get(0).get("updatedBy").asString()).startsWith("api-key:");
    assertThat(audit.body().get("items")).extracting(item -> item.get("action").asString() + " " + item.get("outcome").asString())
        .containsExactly("write stored", "write stored", "write stored");
    assertThat(listed.raw().body() + audit.raw().body()).doesNotContain(VALUE);

    assertThat(admin.delete(secrets(tenant) + "/hub-token").status()).isEqualTo(204);
    assertThat(admin.delete(secrets(tenant) + "/hub-token").status()).isEqualTo(404);
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).extracting(item -> item.get("project").asString())
        .containsExactly("proj");
  }

  @Test
  void membersListOnlyAdminsWriteAndReadTheAuditTrailAndViewersSeeNothing(LocalStackExtension.Tenant tenant) {
    MeridianClient member = as(tenant, "member");
    MeridianClient viewer = as(tenant, "viewer");

    assertThat(member.put(secrets(tenant) + "/db", Map.of("value", VALUE)).status()).isEqualTo(403);
    assertThat(member.delete(secrets(tenant) + "/db").status()).isEqualTo(403);
    assertThat(member.get(secrets(tenant)).status()).isEqualTo(200);
    assertThat(member.get(secrets(tenant) + "/audit").status()).isEqualTo(403);
    assertThat(viewer.get(secrets(tenant)).status()).isEqualTo(403);
    assertThat(viewer.put(secrets(tenant) + "/db", Map.of("value", VALUE)).status()).isEqualTo(403);
  }

  @Test
  void anotherOrgCanNeitherSeeNorTouchAnOrgsSecrets(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/db", Map.of("value", VALUE)).status()).isEqualTo(204);
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();

    assertThat(other.api().get(secrets(tenant)).status()).isEqualTo(404);
    assertThat(other.api().get(secrets(tenant) + "/audit").status()).isEqualTo(404);
    assertThat(other.api().put(secrets(tenant) + "/db", Map.of("value", "overwritten")).status()).isEqualTo(404);
    assertThat(other.api().delete(secrets(tenant) + "/db").status()).isEqualTo(404);
    assertThat(other.api().get(secrets(other)).body().get("items")).isEmpty();
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).singleElement()
        .satisfies(item -> assertThat(item.get("currentVersion").asInt()).isEqualTo(1));
  }

  @Test
  void badNamesScopesAndValuesAreRefusedWhereTheyAre(LocalStackExtension.Tenant tenant) {
    assertThat(RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/9lives", Map.of("value", "x")), "/name").get("message").asString())
        .contains("starts with a letter");
    assertThat(RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "")), "/value").get("message").asString())
        .contains("non-empty");
    assertThat(RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x".repeat(64 * 1024 + 1))), "/value")
        .get("message").asString()).contains("at most 64 KiB");
    assertThat(RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "domain", "production")), "/domain")
        .get("message").asString()).contains("names its project");
    assertThat(RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "project", "nope")), "/project")
        .get("message").asString()).contains("does not exist");
    RegistryE2E.errorAt(tenant.api().put(secrets(tenant) + "/db", Map.of("value", "x", "scope", "all")), "/scope");
    assertThat(tenant.api().get(secrets(tenant)).body().get("items")).isEmpty();
  }

  /** Outputs the length and the byte sum of what {@code read} prints: enough to know the task saw the value, without echoing it. */
  private static ObjectNode fingerprinting(String name, String read, List<Map<String, String>> secrets) {
    return fingerprinting(name, List.of(), read, secrets);
  }

  private static ObjectNode fingerprinting(String name, List<String> inputs, String read, List<Map<String, String>> secrets) {
    ObjectNode task = Tasks.shell(name, inputs, List.of("length", "sum"),
        "v=\"$(" + read + ")\"; s=$(printf %s \"$v\" | od -An -tu1 -v | tr -s ' ' '\\n' | awk '{t+=$1} END {print t+0}');"
            + " echo \"{\\\"length\\\": ${#v}, \\\"sum\\\": $s}\" > \"$MERIDIAN_OUTPUTS\"", 0, "60s", Map.of());
    var declared = task.putArray("secrets");
    secrets.forEach(secret -> {
      ObjectNode entry = declared.addObject();
      secret.forEach(entry::put);
    });
    return task;
  }

  private static int byteSum(String value) {
    int sum = 0;
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      sum += b & 0xff;
    }
    return sum;
  }

  @Test
  void tasksGetTheirSecretsAsEnvAndAsFilesAndTheValueIsMaskedInTheirLogs(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    assertThat(tenant.api().put(secrets(tenant) + "/db-password", Map.of("value", VALUE + "-db", "project", "proj")).status())
        .isEqualTo(204);
    assertThat(tenant.api().post(tenant.scope() + "/tasks", fingerprinting("from-env", "printf %s \"$HF_TOKEN\"",
        List.of(Map.of("name", "hub-token", "as", "env", "envVar", "HF_TOKEN")))).status()).isEqualTo(201);
    assertThat(tenant.api().post(tenant.scope() + "/tasks", fingerprinting("from-file", "cat \"$MERIDIAN_SECRETS_DIR/db-password\"",
        List.of(Map.of("name", "db-password", "as", "file")))).status()).isEqualTo(201);
    ObjectNode leaky = Tasks.shell("leaky", List.of(), List.of(), "echo \"the token is $HF_TOKEN\"; exit 1", 0, "60s", Map.of());
    leaky.putArray("secrets").addObject().put("name", "hub-token").put("as", "env").put("envVar", "HF_TOKEN");
    assertThat(tenant.api().post(tenant.scope() + "/tasks", leaky).status()).isEqualTo(201);
    ObjectNode workflow = Tasks.parallel("with-secrets", Map.of("env", "from-env", "file", "from-file"));
    ObjectNode outputs = workflow.putObject("interface").putObject("outputs");
    ObjectNode bindings = workflow.putObject("outputs");
    for (String node : List.of("env", "file")) {
      for (String output : List.of("length", "sum")) {
        outputs.putObject(node + "_" + output).put("type", "integer");
        bindings.putObject(node + "_" + output).put("fromNode", node).put("output", output);
      }
    }
    var registered = tenant.api().post(tenant.scope() + "/workflows", workflow);
    assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
    assertThat(tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("leaking", Map.of("leak", "leaky"))).status()).isEqualTo(201);

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "with-secrets", "version", "1")));
    String leak = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "leaking", "version", "1")));
    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");
    JsonNode leaked = ExecutionE2E.awaitPhase(tenant, leak, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");

    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    JsonNode produced = execution.get("outputs");
    assertThat(List.of(produced.get("env_length").asInt(), produced.get("env_sum").asInt(), produced.get("file_length").asInt(),
        produced.get("file_sum").asInt())).containsExactly(VALUE.length(), byteSum(VALUE), (VALUE + "-db").length(), byteSum(VALUE + "-db"));
    assertThat(leaked.get("phase").asString()).isEqualTo("FAILED");
    String leakedView = tenant.api().get(tenant.execution(leak)).raw().body();
    assertThat(leakedView).contains("the token is ****").doesNotContain(VALUE);
    assertThat(tenant.api().get(secrets(tenant) + "/audit").body().get("items"))
        .filteredOn(item -> item.get("action").asString().equals("redeem")).extracting(item -> item.get("outcome").asString())
        .containsOnly("redeemed").hasSize(3);
  }

  @Test
  void aLaunchNeedingASecretTheOrgDoesNotHaveIsRefusedAtTheNode(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    ObjectNode task = fingerprinting("from-env", "printf %s \"$HF_TOKEN\"", List.of(Map.of("name", "hub-token", "as", "env", "envVar", "HF_TOKEN")));
    assertThat(other.api().post(other.scope() + "/tasks", task).status()).isEqualTo(201);
    assertThat(other.api().post(other.scope() + "/workflows", Tasks.parallel("with-secrets", Map.of("env", "from-env"))).status())
        .isEqualTo(201);

    var refused = other.api().post(other.scope() + "/executions", Map.of("workflow", Map.of("name", "with-secrets", "version", "1")));

    assertThat(RegistryE2E.errorAt(refused, "/workflow").get("message").asString()).contains("node 'env' needs secret 'hub-token'");
    assertThat(other.api().get(other.scope() + "/executions").body().get("items")).isEmpty();
  }

  /** Registers {@code with-secrets}: one node reading {@code hub-token} from env, outputs its fingerprint. */
  private static void registerEnvWorkflow(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().post(tenant.scope() + "/tasks", fingerprinting("from-env", "printf %s \"$HF_TOKEN\"",
        List.of(Map.of("name", "hub-token", "as", "env", "envVar", "HF_TOKEN")))).status()).isEqualTo(201);
    ObjectNode workflow = Tasks.parallel("with-secrets", Map.of("env", "from-env"));
    workflow.putObject("interface").putObject("outputs").putObject("length").put("type", "integer");
    workflow.putObject("outputs").putObject("length").put("fromNode", "env").put("output", "length");
    assertThat(tenant.api().post(tenant.scope() + "/workflows", workflow).status()).isEqualTo(201);
  }

  @Test
  void afterARunTheValueIsNowhereInTheStacksDataLogsOrWorkingDirectories(LocalStackExtension.Tenant tenant) throws Exception {
    String value = "plaintext-probe-" + java.util.UUID.randomUUID();
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", value)).status()).isEqualTo(204);
    registerEnvWorkflow(tenant);

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "with-secrets", "version", "1")));
    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");
    assertThat(execution.get("outputs").get("length").asInt()).isEqualTo(value.length());

    // Everything the stack keeps on disk: PostgreSQL's data files and WAL, Kafka's log segments,
    // every service's log, the agent's working directories; and the execution's Temporal history
    // (the test server keeps it in memory, so it is read back through Temporal's own API).
    assertThat(filesHolding(tenant.stack(), value)).as("files holding the value").isEmpty();
    assertThat(temporalHistory(tenant, id)).as("the execution's Temporal history").doesNotContain(value);
    assertThat(temporalHistory(tenant, id)).as("the execution's Temporal history").contains("hub-token");
  }

  private static List<java.nio.file.Path> filesHolding(LocalStack stack, String value) throws java.io.IOException {
    java.nio.file.Path home = stack.service("gateway").log().getParent().getParent();
    byte[] needle = value.getBytes(StandardCharsets.UTF_8);
    List<java.nio.file.Path> holding = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.walk(home)) {
      for (java.nio.file.Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        if (contains(file, needle)) {
          holding.add(file);
        }
      }
    }
    return holding;
  }

  /** The execution's whole workflow history as Temporal exports it (protobuf bytes read as text). */
  private static String temporalHistory(LocalStackExtension.Tenant tenant, String id) {
    LocalStack stack = tenant.stack();
    var router = stack.ca().identity("cluster-router");
    io.grpc.ManagedChannel channel = dev.meridian.identity.ServiceChannels.toService(stack.infrastructure().temporal().target(),
        new dev.meridian.identity.ServiceTls(router.ca(), router.certificate(), router.privateKey()));
    try {
      var temporal = io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.newBlockingStub(channel);
      var history = new java.io.ByteArrayOutputStream();
      com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
      do {
        var response = temporal.getWorkflowExecutionHistory(io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
            .setNamespace("meridian").setNextPageToken(page)
            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId("execution/" + tenant.org() + "/" + id))
            .build());
        history.writeBytes(response.getHistory().toByteArray());
        page = response.getNextPageToken();
      } while (!page.isEmpty());
      return history.toString(StandardCharsets.ISO_8859_1);
    } finally {
      channel.shutdownNow();
    }
  }

  private static boolean contains(java.nio.file.Path file, byte[] needle) {
    byte[] bytes;
    try {
      bytes = java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException gone) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Test
  void whileTheBrokerIsDownAnAttemptNeedingSecretsWaitsAndRunsOnceItIsBack(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    registerEnvWorkflow(tenant);
    assertThat(tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("nap", List.of(), List.of("y"),
        "sleep 3; echo '{\"y\": 1}' > \"$MERIDIAN_OUTPUTS\"", 0, "60s", Map.of())).status()).isEqualTo(201);
    ObjectNode workflow = MeridianClient.JSON.createObjectNode().put("name", "nap-then-secret").put("version", "1");
    var nodes = workflow.putArray("nodes");
    nodes.addObject().put("id", "nap").putObject("task").put("name", "nap").put("version", "1");
    assertThat(tenant.api().post(tenant.scope() + "/tasks", fingerprinting("from-env-after", List.of("x"), "printf %s \"$HF_TOKEN\"",
        List.of(Map.of("name", "hub-token", "as", "env", "envVar", "HF_TOKEN")))).status()).isEqualTo(201);
    ObjectNode env = nodes.addObject().put("id", "env");
    env.putObject("task").put("name", "from-env-after").put("version", "1");
    env.putObject("inputs").putObject("x").put("fromNode", "nap").put("output", "y");
    var registered = tenant.api().post(tenant.scope() + "/workflows", workflow);
    assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "nap-then-secret", "version", "1")));
    ServiceProcess broker = tenant.stack().service("secrets-broker");
    broker.kill();
    try {
      ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(30), "RUNNING");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          tenant.api().get(tenant.execution(id)).body().get("nodes").toString().contains("\"id\":\"nap\",\"phase\":\"SUCCEEDED\""));
    } finally {
      broker.start().awaitHealthy(Duration.ofSeconds(120));
    }

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    assertThat(tenant.api().get(secrets(tenant) + "/audit").body().get("items"))
        .filteredOn(item -> item.get("action").asString().equals("redeem")).extracting(item -> item.get("outcome").asString())
        .containsExactly("redeemed");
  }

  @Test
  void anAttemptWhoseRedemptionTheBrokerDiesInIsLostAndRetriedWithAFreshGrant(LocalStackExtension.Tenant tenant) throws Exception {
    String value = "mid-redemption-probe-" + java.util.UUID.randomUUID();
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", value)).status()).isEqualTo(204);
    registerEnvWorkflow(tenant);
    ServiceProcess agent = tenant.stack().service("execution-agent");
    ServiceProcess broker = tenant.stack().service("secrets-broker");

    // The agent is frozen so that the assignment, and the grant id in it, wait in its socket; once
    // the grant is issued the broker freezes too, the agent's redemption reaches it and gets no
    // answer, and the broker is killed with the redemption in its hands.
    agent.freeze();
    String id;
    try {
      id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "with-secrets", "version", "1")));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
          audit(tenant).stream().anyMatch(item -> item.equals("grant granted " + id + "/env/1")));
      broker.freeze();
    } finally {
      agent.thaw();
    }
    try {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          tenant.api().get(tenant.execution(id)).body().get("nodes").get(0).get("attempts").get(0).get("phase").asString().equals("LOST"));
    } finally {
      broker.kill();
      broker.start().awaitHealthy(Duration.ofSeconds(120));
    }

    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");
    assertThat(execution.get("outputs").get("length").asInt()).isEqualTo(value.length());
    JsonNode attempts = execution.get("nodes").get(0).get("attempts");
    assertThat(attempts).extracting(attempt -> attempt.get("phase").asString()).containsExactly("LOST", "SUCCEEDED");
    assertThat(attempts.get(0).get("reason").asString()).contains("secrets could not be redeemed");
    assertThat(audit(tenant)).filteredOn(item -> item.startsWith("grant") || item.startsWith("redeem"))
        .containsExactly("redeem redeemed " + id + "/env/2", "grant granted " + id + "/env/2", "grant granted " + id + "/env/1");
    assertThat(filesHolding(tenant.stack(), value)).as("files holding the value").isEmpty();
  }

  /** The org's secret audit trail, newest first, as "action outcome attempt". */
  private static List<String> audit(LocalStackExtension.Tenant tenant) {
    List<String> items = new java.util.ArrayList<>();
    tenant.api().get(secrets(tenant) + "/audit").body().get("items").forEach(item -> items.add(
        item.get("action").asString() + " " + item.get("outcome").asString() + " " + item.path("attempt").asString("")));
    return items;
  }

  private record Registered(String id, String token) {}

  private static Registered registerCluster(LocalStackExtension.Tenant tenant, String name) {
    var response = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters", Map.of("name", name, "region", "test"));
    assertThat(response.status()).as(response.body().toString()).isEqualTo(201);
    return new Registered(response.body().get("id").asString(), response.body().get("token").asString());
  }

  @Test
  void aGrantIsRedeemedOnceAndOnlyByTheClusterItWasIssuedFor(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().put(secrets(tenant) + "/hub-token", Map.of("value", VALUE)).status()).isEqualTo(204);
    Registered mine = registerCluster(tenant, "gpu-pool");
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    Registered theirs = registerCluster(other, "their-pool");
    LocalStack stack = tenant.stack();
    var router = stack.ca().identity("cluster-router");
    io.grpc.ManagedChannel asRouter = dev.meridian.identity.ServiceChannels.toService(stack.secretsInternalTarget(),
        new dev.meridian.identity.ServiceTls(router.ca(), router.certificate(), router.privateKey()));
    io.grpc.ManagedChannel asAgent = dev.meridian.identity.ServiceChannels.toAgentEndpoint(stack.agentEndpointTarget(), stack.ca().caFile());
    try {
      // What the router does when it assigns attempt e1/train/1 to the cluster gpu-pool.
      String grant = dev.meridian.proto.secrets.v1.SecretGrantsGrpc.newBlockingStub(asRouter).issueGrant(
          dev.meridian.proto.secrets.v1.IssueGrantRequest.newBuilder().setOrg(tenant.org()).setProject("proj").setDomain("development")
              .setExecutionId("e1").setNodeId("train").setAttempt(1).setClusterId(mine.id())
              .addSecrets(dev.meridian.proto.secrets.v1.SecretMount.newBuilder().setName("hub-token").setEnvVar("HF_TOKEN")).build())
          .getGrantId();
      var agent = dev.meridian.proto.agent.v1.AgentServiceGrpc.newBlockingStub(asAgent);
      java.util.function.Function<Registered, dev.meridian.proto.agent.v1.RedeemSecretsResponse> redeem = cluster -> agent.redeemSecrets(
          dev.meridian.proto.agent.v1.RedeemSecretsRequest.newBuilder().setToken(cluster.token()).setAttemptId("e1/train/1")
              .setGrantId(grant).build());

      var stolen = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> redeem.apply(theirs));
      var redeemed = redeem.apply(mine);
      var replayed = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> redeem.apply(mine));

      assertThat(stolen.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
      assertThat(redeemed.getSecrets(0).getValue()).isEqualTo(VALUE);
      assertThat(replayed.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
      assertThat(replayed.getStatus().getDescription()).contains("already redeemed");
      assertThat(tenant.api().get(secrets(tenant) + "/audit").body().get("items"))
          .extracting(item -> item.get("action").asString() + " " + item.get("outcome").asString())
          .containsExactly("redeem refused", "redeem redeemed", "redeem refused", "grant granted", "write stored");
    } finally {
      asRouter.shutdownNow();
      asAgent.shutdownNow();
    }
  }
}
