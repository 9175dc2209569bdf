package dev.meridian.loadtest;

import dev.meridian.devstack.LocalStack;
import dev.meridian.devstack.MeridianClient;
import dev.meridian.proto.agent.v1.Assignment;
import io.grpc.ManagedChannel;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Starts a local stack, connects 10, 100 and 1,000 simulated agents (one cluster each, in this JVM)
 * and launches executions of a 10-way fan-out through the public REST API, measuring tasks
 * dispatched per second and the ready→assigned latency of every task. The baseline, measured in
 * the same run against the same Temporal server, is how fast workflows can merely be started.
 *
 * <p>{@code java -cp ... dev.meridian.loadtest.LoadHarness [levels=10,100,1000] [executions=100] [jvm=THROUGHPUT|STARTUP] [routers=1]}
 * (with several routers the agents are spread over them evenly, and each execution's tasks are
 * dispatched by whichever router runs its activities: about half go through the peer that holds the stream)
 */
public final class LoadHarness {

  private static final int FAN_OUT = 10;
  private static final int CLIENT_THREADS = 8;

  record Level(int agents, int tasks, double tasksPerSecond, double p50Millis, double p99Millis, double maxMillis) {}

  public static void main(String[] args) throws Exception {
    int[] levels = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {10, 100, 1000};
    int executions = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    LocalStack.ServiceJvm jvm = args.length > 2 ? LocalStack.ServiceJvm.valueOf(args[2]) : LocalStack.ServiceJvm.THROUGHPUT;
    int routerCount = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    Path home = Files.createTempDirectory("meridian-load-");
    try (LocalStack stack = LocalStack.start(new LocalStack.Options(home, repository(), LocalStack.Layout.free(), false, Duration.ofMinutes(2), jvm,
        routerCount))) {
      MeridianClient api = stack.newOrg("bench", "Bench", "bench@meridian.local");
      String scope = seed(api);
      double temporalStarts = temporalStartRate(stack, 2000);
      List<Level> results = new ArrayList<>();
      List<ManagedChannel> routers = stack.agentChannels();
      var scheduler = Executors.newScheduledThreadPool(2);
      // One producer for the whole simulated fleet, as the broker's super user (each real agent has its cluster's principal).
      Map<String, Object> settings = new java.util.HashMap<>(stack.infrastructure().kafka().clientProperties(dev.meridian.testkit.KafkaBroker.ADMIN));
      settings.putAll(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5));
      try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
        for (int level : levels) {
          results.add(runLevel(api, scope, stack, routers, producer, scheduler, level, executions));
        }
      } finally {
        routers.forEach(ManagedChannel::shutdownNow);
        scheduler.shutdownNow();
      }
      System.out.println(report(results, temporalStarts, executions) + "Services' JVM: " + jvm + " " + jvm.flags() + "; routers: " + routerCount
          + "\n");
    }
  }

  private static String seed(MeridianClient api) {
    check(api.post("/api/v1/orgs/bench/projects", Map.of("id", "load")), 201);
    // The harness measures dispatch, not the edge: lift the org's API rate limit far above what it sends.
    check(api.put("/api/v1/orgs/bench/quota", Map.of("requestsPerSecond", 100_000)), 200);
    String scope = "/api/v1/orgs/bench/projects/load/domains/development";
    var task = MeridianClient.JSON.createObjectNode().put("name", "tick").put("version", "1");
    task.putObject("interface").putObject("outputs").putObject("y").put("type", "integer");
    var container = task.putObject("container").put("image", "busybox");
    container.putArray("command").add("true");
    task.putObject("resources").put("cpu", "100m").put("memory", "64Mi");
    check(api.post(scope + "/tasks", task), 201);
    var workflow = MeridianClient.JSON.createObjectNode().put("name", "fan").put("version", "1");
    var nodes = workflow.putArray("nodes");
    for (int i = 0; i < FAN_OUT; i++) {
      nodes.addObject().put("id", "n" + i).putObject("task").put("name", "tick").put("version", "1");
    }
    check(api.post(scope + "/workflows", workflow), 201);
    // Only the load-test clusters: the local stack's shared process cluster stays out of it.
    check(api.post(scope + "/launch-plans", Map.of("name", "fan", "version", "1", "workflow", Map.of("name", "fan", "version", "1"),
        "overrides", Map.of("clusterLabels", Map.of("pool", "bench")))), 201);
    return scope;
  }

  private static Level runLevel(MeridianClient api, String scope, LocalStack stack, List<ManagedChannel> routers,
      KafkaProducer<String, byte[]> producer, java.util.concurrent.ScheduledExecutorService scheduler, int agents, int executions)
      throws Exception {
    List<String> tokens = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      var registered = check(api.post("/api/v1/orgs/bench/clusters",
          Map.of("name", "sim-" + agents + "-" + i, "labels", Map.of("pool", "bench"))), 201);
      tokens.add(registered.body().get("token").asString());
      ids.add(registered.body().get("id").asString());
    }
    record Assigned(String executionId, long latencyMillis, long atMillis) {}
    ConcurrentLinkedQueue<Assigned> assigned = new ConcurrentLinkedQueue<>();
    try (var fleet = new EmbeddedAgents(tokens, routers, stack.agentEndpointTarget(), producer, scheduler, Duration.ofMillis(300),
        (Assignment assignment) -> {
          long now = System.currentTimeMillis();
          long ready = assignment.getReadyAt().getSeconds() * 1000 + assignment.getReadyAt().getNanos() / 1_000_000;
          assigned.add(new Assigned(assignment.getExecutionId(), now - ready, now));
        })) {
      awaitConnected(api, "bench", agents);
      launch(api, scope, 5);
      awaitIdle(api, scope);

      long started = System.currentTimeMillis();
      Set<String> launched = launch(api, scope, executions);
      // The level finishes before its clusters go, or its last attempts would fail over into the next level.
      awaitIdle(api, scope);
      List<Assigned> mine = assigned.stream().filter(a -> launched.contains(a.executionId())).toList();
      long last = mine.stream().mapToLong(Assigned::atMillis).max().orElseThrow();
      long[] sorted = mine.stream().mapToLong(Assigned::latencyMillis).sorted().toArray();
      double seconds = (last - started) / 1000.0;
      Level level = new Level(agents, sorted.length, sorted.length / seconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
          sorted[sorted.length - 1]);
      System.out.printf("%d agents: %d tasks, %.1f tasks/s, p50 %.0f ms, p99 %.0f ms%n", agents, level.tasks(), level.tasksPerSecond(),
          level.p50Millis(), level.p99Millis());
      return level;
    } finally {
      for (String id : ids) {
        api.delete("/api/v1/orgs/bench/clusters/" + id + "?force=true");
      }
    }
  }

  private static Set<String> launch(MeridianClient api, String scope, int executions) throws InterruptedException {
    Set<String> ids = ConcurrentHashMap.newKeySet();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
    for (int i = 0; i < executions; i++) {
      clients.submit(() -> ids.add(check(api.post(scope + "/executions", Map.of("launchPlan", Map.of("name", "fan", "version", "1"))), 201)
          .body().get("id").asString()));
    }
    clients.shutdown();
    clients.awaitTermination(10, TimeUnit.MINUTES);
    return ids;
  }

  private static void awaitIdle(MeridianClient api, String scope) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (Instant.now().isBefore(deadline)) {
      boolean busy = false;
      for (String phase : List.of("QUEUED", "RUNNING")) {
        busy |= !api.get(scope + "/executions?limit=1&phase=" + phase).body().get("items").isEmpty();
      }
      if (!busy) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("executions still running 5 minutes after their tasks were assigned");
  }

  static void awaitConnected(MeridianClient api, String org, int agents) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (Instant.now().isBefore(deadline)) {
      long connected = 0;
      for (var cluster : api.get("/api/v1/orgs/" + org + "/clusters").body().get("items")) {
        if (cluster.get("status").asString().equals("CONNECTED")) {
          connected++;
        }
      }
      if (connected >= agents) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(agents + " agents did not all connect within 5 minutes");
  }

  /** Workflow starts per second straight through the Temporal SDK, the floor under every execution we start. */
  static double temporalStartRate(LocalStack stack, int starts) throws Exception {
    var identity = stack.ca().identity("cluster-router");
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(stack.infrastructure().temporal().target())
        .setSslContext(ServiceChannels.clientContext(new ServiceTls(identity.ca(), identity.certificate(), identity.privateKey())))
        .build());
    try {
      ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
      long begin = System.nanoTime();
      for (int i = 0; i < starts; i++) {
        clients.submit(() -> stubs.blockingStub().startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder()
            .setNamespace("bench").setWorkflowId("baseline/" + UUID.randomUUID()).setRequestId(UUID.randomUUID().toString())
            .setWorkflowType(WorkflowType.newBuilder().setName("Noop")).setTaskQueue(TaskQueue.newBuilder().setName("nobody"))
            .build()));
      }
      clients.shutdown();
      clients.awaitTermination(10, TimeUnit.MINUTES);
      return starts / ((System.nanoTime() - begin) / 1e9);
    } finally {
      stubs.shutdownNow();
    }
  }

  static double percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static MeridianClient.Response check(MeridianClient.Response response, int status) {
    if (response.status() != status) {
      throw new IllegalStateException("expected " + status + " but got " + response.status() + ": " + response.body());
    }
    return response;
  }

  static Path repository() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("devstack"))) {
        return dir;
      }
    }
    throw new IllegalStateException("run the harness from inside the Meridian checkout");
  }

  private static String report(List<Level> levels, double temporalStarts, int executions) {
    StringBuilder table = new StringBuilder("| connected agents | tasks | tasks dispatched/s | ready→assigned p50 | p99 | max | dispatch rate ÷ Temporal start rate |\n")
        .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Level level : levels) {
      table.append(String.format("| %d | %d | %.1f | %.0f ms | %.0f ms | %.0f ms | %.2f |%n", level.agents(), level.tasks(),
          level.tasksPerSecond(), level.p50Millis(), level.p99Millis(), level.maxMillis(), level.tasksPerSecond() / temporalStarts));
    }
    table.append(String.format("%nBaseline (same run): %.0f Temporal workflow starts/s; %d executions × %d tasks per level.%n",
        temporalStarts, executions, FAN_OUT));
    return table.toString();
  }
}
