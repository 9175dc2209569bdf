package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.rpc.RetryInfo;
import dev.meridian.proto.api.v1.ExecutionRef;
import dev.meridian.proto.api.v1.ExecutionServiceGrpc;
import dev.meridian.proto.api.v1.Scope;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** An org admin sets quotas through the API and watches work queue and drain against them. */
@ExtendWith(LocalStackExtension.class)
class QuotaE2E {

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  /** Registers a cluster for the tenant and starts a simulated agent for it with {@code gpus} H100s. */
  static void simulatedCluster(LocalStackExtension.Tenant tenant, List<String> agents, String name, int gpus, Duration taskDuration) {
    var registered = tenant.api().post("/api/v1/orgs/" + tenant.org() + "/clusters", Map.of("name", name, "region", "test"));
    assertThat(registered.status()).as(registered.body().toString()).isEqualTo(201);
    String agent = name + "-" + tenant.org();
    agents.add(agent);
    tenant.stack().startAgent(agent, registered.body().get("token").asString(),
        LocalStack.AgentOptions.simulated(Map.of("nvidia-h100", gpus), taskDuration));
    await().atMost(Duration.ofSeconds(60)).until(() -> tenant.api().get("/api/v1/orgs/" + tenant.org() + "/clusters").body()
        .get("items").valueStream().anyMatch(c -> c.get("name").asString().equals(name) && c.get("status").asString().equals("CONNECTED")));
  }

  /** Registers {@code fan}: {@code width} independent nodes, each needing one H100. */
  static void registerGpuFan(LocalStackExtension.Tenant tenant, String scope, int width) {
    assertThat(tenant.api().post(scope + "/tasks", Tasks.gpu("h100", "nvidia-h100", "100m")).status()).isIn(200, 201);
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 1; i <= width; i++) {
      nodes.put("g" + i, "h100");
    }
    assertThat(tenant.api().post(scope + "/workflows", Tasks.parallel("fan", nodes)).status()).isIn(200, 201);
  }

  private void cluster(LocalStackExtension.Tenant tenant, int gpus, Duration taskDuration) {
    stack = tenant.stack();
    simulatedCluster(tenant, agents, "sim", gpus, taskDuration);
  }

  @AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  private static String quota(LocalStackExtension.Tenant tenant) {
    return "/api/v1/orgs/" + tenant.org() + "/quota";
  }

  private static int reservedGpus(JsonNode usage) {
    JsonNode gpus = usage.get("reserved").get("gpus");
    return gpus.has("nvidia-h100") ? gpus.get("nvidia-h100").asInt() : 0;
  }

  @Test
  void anAdminSetsAQuotaAndWatchesTasksQueueAndDrainAgainstIt(LocalStackExtension.Tenant tenant) {
    cluster(tenant, 8, Duration.ofSeconds(2));
    registerGpuFan(tenant, tenant.scope(), 6);
    var set = tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 2), "maxConcurrentExecutions", 5));
    assertThat(set.status()).as(set.body().toString()).isEqualTo(200);
    assertThat(tenant.api().get(quota(tenant)).body().get("gpus").get("nvidia-h100").asInt()).isEqualTo(2);

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "fan", "version", "1")));

    AtomicInteger mostReserved = new AtomicInteger();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      JsonNode usage = tenant.api().get(quota(tenant) + "/usage").body();
      mostReserved.accumulateAndGet(reservedGpus(usage), Math::max);
      JsonNode execution = tenant.api().get(tenant.execution(id)).body();
      assertThat(usage.get("queuedTasks").asInt()).as("usage %s of execution %s", usage, execution).isGreaterThan(0);
      JsonNode queued = execution.get("nodes").valueStream()
          .filter(n -> n.get("phase").asString().equals("QUEUED") && n.has("queuePosition")).findFirst().orElseThrow();
      assertThat(queued.get("reason").asString()).isEqualTo("waiting for quota: the org has 2 of 2 nvidia-h100 GPUs reserved");
      assertThat(queued.get("queuePosition").asInt()).isPositive();
    });
    JsonNode ended = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");
    assertThat(ended.get("phase").asString()).as(ended.toString()).isEqualTo("SUCCEEDED");
    assertThat(mostReserved.get()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode usage = tenant.api().get(quota(tenant) + "/usage").body();
      assertThat(reservedGpus(usage)).isZero();
      assertThat(usage.get("queuedTasks").asInt()).isZero();
      assertThat(usage.get("runningExecutions").asInt()).isZero();
    });
  }

  @Test
  void aQuotaThatBreaksTheOrgsLimitsIsRefusedWithLocatedErrorsAndEveryChangeIsAudited(LocalStackExtension.Tenant tenant) {
    assertThat(tenant.api().post("/api/v1/orgs/" + tenant.org() + "/projects", Map.of("id", "other")).status()).isEqualTo(201);
    String project = "/api/v1/orgs/" + tenant.org() + "/projects/proj/quota";
    assertThat(tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 8), "cpuCores", 64)).status()).isEqualTo(200);
    assertThat(tenant.api().put(project, Map.of("gpus", Map.of("nvidia-h100", 6), "borrow", false)).status()).isEqualTo(200);

    var tooBig = tenant.api().put(project, Map.of("gpus", Map.of("nvidia-h100", 9)));
    assertThat(tooBig.status()).isEqualTo(422);
    assertThat(tooBig.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/gpus/nvidia-h100");
    assertThat(tooBig.body().get("errors").get(0).get("message").asString()).isEqualTo("9 nvidia-h100 GPUs is more than the org's 8 nvidia-h100 GPUs");
    var together = tenant.api().put("/api/v1/orgs/" + tenant.org() + "/projects/other/quota", Map.of("gpus", Map.of("nvidia-h100", 3)));
    assertThat(together.status()).isEqualTo(422);
    assertThat(together.body().get("errors").get(0).get("message").asString())
        .isEqualTo("the projects' guaranteed shares would add up to 9 nvidia-h100 GPUs, more than the org's 8 nvidia-h100 GPUs");
    var shrink = tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 4)));
    assertThat(shrink.status()).isEqualTo(422);
    assertThat(shrink.body().get("errors").get(0).get("message").asString()).isEqualTo("project 'proj' is guaranteed 6 nvidia-h100 GPUs, more than the org's 4 nvidia-h100 GPUs");
    var malformed = tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", -1), "cpuCores", "many", "borrow", true, "speed", 1));
    assertThat(malformed.status()).isEqualTo(422);
    assertThat(malformed.body().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList())
        .contains("/gpus/nvidia-h100", "/cpuCores", "/borrow", "/speed");
    assertThat(tenant.api().put("/api/v1/orgs/" + tenant.org() + "/projects/nope/quota", Map.of()).status()).isEqualTo(404);

    JsonNode changes = tenant.api().get(quota(tenant) + "/changes").body().get("items");
    assertThat(changes).hasSize(2);
    assertThat(changes.get(0).get("project").asString()).isEqualTo("proj");
    assertThat(changes.get(0).get("after").get("borrow").asBoolean()).isFalse();
    assertThat(changes.get(1).get("before").isNull()).isTrue();
    assertThat(changes.get(1).get("actor").asString()).startsWith("API key key_").endsWith("(owner)");

    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    assertThat(other.api().get(quota(other)).body().get("gpus").isEmpty()).isTrue();
    assertThat(other.api().get(quota(other) + "/changes").body().get("items")).isEmpty();
    assertThat(other.api().get(quota(other) + "/usage").body().get("byProject").isEmpty()).isTrue();
    assertThat(other.api().get("/api/v1/orgs/" + other.org() + "/projects/other/quota").status()).isEqualTo(404);
  }

  @Test
  void aBorrowingProjectGivesTheIdleProjectItsShareAsItsTasksFinish(LocalStackExtension.Tenant tenant) {
    cluster(tenant, 8, Duration.ofSeconds(3));
    assertThat(tenant.api().post("/api/v1/orgs/" + tenant.org() + "/projects", Map.of("id", "idle")).status()).isEqualTo(201);
    String idleScope = "/api/v1/orgs/" + tenant.org() + "/projects/idle/domains/development";
    registerGpuFan(tenant, tenant.scope(), 10);
    registerGpuFan(tenant, idleScope, 10);
    assertThat(tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 4))).status()).isEqualTo(200);
    for (String project : List.of("proj", "idle")) {
      assertThat(tenant.api().put("/api/v1/orgs/" + tenant.org() + "/projects/" + project + "/quota",
          Map.of("gpus", Map.of("nvidia-h100", 2), "borrow", true)).status()).isEqualTo(200);
    }

    String busy = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "fan", "version", "1")));
    await().atMost(Duration.ofSeconds(30)).until(() -> projectGpus(tenant, "proj") == 4);
    var idleLaunch = tenant.api().post(idleScope + "/executions", Map.of("workflow", Map.of("name", "fan", "version", "1")));
    assertThat(idleLaunch.status()).isEqualTo(201);

    // As the borrower's tasks finish, the woken project gets its guaranteed two while the borrower still has work queued.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      JsonNode usage = tenant.api().get(quota(tenant) + "/usage").body();
      assertThat(usage.get("byProject").get("idle").get("reserved").get("gpus").get("nvidia-h100").asInt()).isEqualTo(2);
      assertThat(usage.get("byProject").get("proj").get("queuedTasks").asInt()).isPositive();
      assertThat(reservedGpus(usage)).isLessThanOrEqualTo(4);
    });
    assertThat(ExecutionE2E.awaitPhase(tenant, busy, Duration.ofSeconds(120), "SUCCEEDED", "FAILED").get("phase").asString()).isEqualTo("SUCCEEDED");
  }

  private static int projectGpus(LocalStackExtension.Tenant tenant, String project) {
    JsonNode byProject = tenant.api().get(quota(tenant) + "/usage").body().get("byProject");
    JsonNode gpus = byProject.path(project).path("reserved").path("gpus").path("nvidia-h100");
    return gpus.isMissingNode() ? 0 : gpus.asInt();
  }

  @Test
  void overTheRateLimitCallsGet429WithAnHonestRetryAfterAndTerminateStillWorks(LocalStackExtension.Tenant tenant) throws Exception {
    String id = ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 3)));
    assertThat(tenant.api().put(quota(tenant), Map.of("requestsPerSecond", 2)).status()).isEqualTo(200);
    // The gateway re-reads rates every two seconds; from then on, reads in a burst are refused.
    AtomicReference<MeridianClient.Response> throttled = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      throttled.set(tenant.api().get(tenant.execution(id)));
      assertThat(throttled.get().status()).isEqualTo(429);
    });
    MeridianClient.Response refused = throttled.get();
    assertThat(refused.body().get("type").asString()).endsWith("/too-many-requests");
    assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
    long retryAfter = Long.parseLong(refused.header("Retry-After"));
    assertThat(refused.body().get("retryAfterSeconds").asLong()).isEqualTo(retryAfter);
    assertThat(retryAfter).isBetween(1L, 2L);

    var terminated = tenant.api().post(tenant.execution(id) + "/terminate", Map.of("reason", "overloaded"));
    assertThat(terminated.status()).as("terminate is never throttled").isEqualTo(200);

    retryOnceAfter(Duration.ofSeconds(retryAfter), () -> assertThat(tenant.api().get(tenant.execution(id)).status())
        .as("retrying after Retry-After succeeds").isEqualTo(200));

    ManagedChannel channel = LocalStackExtension.grpc(tenant);
    try {
      var executions = ExecutionServiceGrpc.newBlockingStub(channel);
      ExecutionRef ref = ExecutionRef.newBuilder().setId(id)
          .setScope(Scope.newBuilder().setOrg(tenant.org()).setProject("proj").setDomain("development")).build();
      StatusRuntimeException exhausted = null;
      for (int i = 0; i < 20 && exhausted == null; i++) {
        try {
          Struct ignored = executions.withDeadlineAfter(10, TimeUnit.SECONDS).getExecution(ref);
        } catch (StatusRuntimeException e) {
          exhausted = e;
        }
      }
      assertThat(exhausted).isNotNull();
      assertThat(exhausted.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      RetryInfo retry = StatusProto.fromThrowable(exhausted).getDetails(0).unpack(RetryInfo.class);
      assertThat(retry.getRetryDelay().getSeconds()).isBetween(1L, 2L);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aFullQueueRefusesLaunchesWith429AndCreatesNothing(LocalStackExtension.Tenant tenant) throws Exception {
    cluster(tenant, 4, Duration.ofSeconds(3));
    registerGpuFan(tenant, tenant.scope(), 1);
    assertThat(tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 1), "maxQueuedExecutions", 1)).status()).isEqualTo(200);
    Map<String, Object> fan = Map.of("workflow", Map.of("name", "fan", "version", "1"));
    String running = ExecutionE2E.launch(tenant, fan);
    await().atMost(Duration.ofSeconds(20)).until(() -> tenant.api().get(tenant.execution(running)).body().get("phase").asString().equals("RUNNING"));
    String queued = ExecutionE2E.launch(tenant, fan);

    var refused = tenant.api().post(tenant.scope() + "/executions", fan);
    assertThat(refused.status()).as(refused.body().toString()).isEqualTo(429);
    assertThat(refused.body().get("detail").asString()).contains("already has 1 queued executions");
    assertThat(tenant.api().get(tenant.scope() + "/executions").body().get("items")).hasSize(2);

    // Honest: the queued execution starts when the running one's three seconds are over, well within Retry-After.
    AtomicReference<String> launched = new AtomicReference<>();
    retryOnceAfter(Duration.ofSeconds(Long.parseLong(refused.header("Retry-After"))), () -> {
      var retried = tenant.api().post(tenant.scope() + "/executions", fan);
      assertThat(retried.status()).as("retrying after Retry-After succeeds: %s", retried.body()).isEqualTo(201);
      launched.set(retried.body().get("id").asString());
    });
    String third = launched.get();
    assertThat(tenant.api().get(tenant.execution(queued)).body().get("phase").asString()).isNotEqualTo("QUEUED");

    // Overloaded again: a cancel still goes through and makes room at once. The third may already
    // run (the second's three seconds can be over by now); then the next launch is the one that waits.
    String waiting = third;
    var overloaded = tenant.api().post(tenant.scope() + "/executions", fan);
    for (int launches = 0; overloaded.status() == 201 && launches < 3; launches++) {
      waiting = overloaded.body().get("id").asString();
      overloaded = tenant.api().post(tenant.scope() + "/executions", fan);
    }
    assertThat(overloaded.status()).isEqualTo(429);
    var cancel = tenant.api().post(tenant.execution(waiting) + "/terminate", Map.of("reason", "make room"));
    assertThat(cancel.status()).isEqualTo(200);
    assertThat(cancel.body().get("phase").asString()).isEqualTo("ABORTED");
    assertThat(tenant.api().post(tenant.scope() + "/executions", fan).status()).isEqualTo(201);
  }

  @Test
  void fiftyConcurrentLaunchesIntoAQueueOfTenAcceptExactlyTenAndCreateNothingElse(LocalStackExtension.Tenant tenant) throws Exception {
    cluster(tenant, 4, Duration.ofSeconds(60));
    registerGpuFan(tenant, tenant.scope(), 1);
    assertThat(tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 1), "maxQueuedExecutions", 10,
        "requestsPerSecond", 500)).status()).isEqualTo(200);
    Map<String, Object> fan = Map.of("workflow", Map.of("name", "fan", "version", "1"));
    String running = ExecutionE2E.launch(tenant, fan);
    await().atMost(Duration.ofSeconds(20)).until(() -> tenant.api().get(tenant.execution(running)).body().get("phase").asString().equals("RUNNING"));

    List<Integer> statuses;
    try (var launches = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      var gate = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        futures.add(launches.submit(() -> {
          gate.await();
          return tenant.api().post(tenant.scope() + "/executions", fan).status();
        }));
      }
      gate.countDown();
      statuses = new ArrayList<>();
      for (var future : futures) {
        statuses.add(future.get());
      }
    }

    assertThat(statuses.stream().filter(status -> status == 201)).as("accepted: %s", statuses).hasSize(10);
    assertThat(statuses.stream().filter(status -> status == 429)).hasSize(40);
    JsonNode listed = tenant.api().get(tenant.scope() + "/executions?limit=100").body().get("items");
    assertThat(listed).as("the running one and the ten queued, nothing half-created").hasSize(11);
    assertThat(listed.valueStream().filter(e -> e.get("phase").asString().equals("QUEUED"))).hasSize(10);
  }

  @Test
  void aHigherPriorityExecutionsTasksAreAdmittedBeforeOlderOnes(LocalStackExtension.Tenant tenant) {
    cluster(tenant, 4, Duration.ofSeconds(2));
    registerGpuFan(tenant, tenant.scope(), 1);
    assertThat(tenant.api().put(quota(tenant), Map.of("gpus", Map.of("nvidia-h100", 1))).status()).isEqualTo(200);
    Map<String, Object> fan = Map.of("workflow", Map.of("name", "fan", "version", "1"));
    String first = ExecutionE2E.launch(tenant, fan);
    await().atMost(Duration.ofSeconds(20)).until(() -> tenant.api().get(tenant.execution(first)).body().get("phase").asString().equals("RUNNING"));
    String older = ExecutionE2E.launch(tenant, fan);
    String urgent = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "fan", "version", "1"), "priority", 10));

    JsonNode urgentEnded = ExecutionE2E.awaitPhase(tenant, urgent, Duration.ofSeconds(60), "SUCCEEDED", "FAILED");
    JsonNode olderEnded = ExecutionE2E.awaitPhase(tenant, older, Duration.ofSeconds(60), "SUCCEEDED", "FAILED");

    assertThat(java.time.Instant.parse(urgentEnded.get("startedAt").asString()))
        .isBefore(java.time.Instant.parse(olderEnded.get("startedAt").asString()));
  }

  /** Honest Retry-After: one attempt, exactly when the server said to come back, must pass. */
  private static void retryOnceAfter(Duration retryAfter, org.awaitility.core.ThrowingRunnable attempt) {
    await().pollDelay(retryAfter).pollInterval(retryAfter.plusSeconds(10)).atMost(retryAfter.plusSeconds(1)).untilAsserted(attempt);
  }
}
