package dev.meridian.loadtest;

import dev.meridian.devstack.LocalStack;
import dev.meridian.devstack.MeridianClient;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import io.grpc.ManagedChannel;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 16's benchmark: one execution with a wide static fan-out, one map node over many items
 * (attempts of 1 s, ample capacity), and many one-node executions in flight at once (long attempts).
 * Reports tasks/s, the router's heap after a full GC (sampled while it runs, the largest kept), the
 * largest workflow history of an execution and how many runs (continue-as-new) it took, and, with
 * executions in flight, launch and GET latency.
 *
 * <p>{@code java -Dmeridian.temporal.heap=3g -cp ... dev.meridian.loadtest.LargeExecutionHarness [fanOut=10000] [mapItems=100000]
 * [inFlight=10000] [jvm=THROUGHPUT]} (0 skips a part). The embedded Temporal test server keeps every history in memory: give it
 * the heap, or it, not the router, is what slows down.
 */
public final class LargeExecutionHarness {

  private static final int CLIENT_THREADS = 16;
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  record Run(String what, int tasks, double seconds, long heapMiB, long largestHistory, int runs) {
    double tasksPerSecond() {
      return tasks / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int fanOut = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int mapItems = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    LocalStack.ServiceJvm jvm = args.length > 3 ? LocalStack.ServiceJvm.valueOf(args[3]) : LocalStack.ServiceJvm.THROUGHPUT;
    Path home = Files.createTempDirectory("meridian-large-");
    StringBuilder report = new StringBuilder();
    try (LocalStack stack = LocalStack.start(new LocalStack.Options(home, LoadHarness.repository(), LocalStack.Layout.free(), false,
        Duration.ofMinutes(2), jvm))) {
      ManagedChannel router = stack.agentChannel();
      var scheduler = Executors.newScheduledThreadPool(2);
      Map<String, Object> settings = new java.util.HashMap<>(stack.infrastructure().kafka().clientProperties(dev.meridian.testkit.KafkaBroker.ADMIN));
      settings.putAll(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5));
      String org = "large";
      MeridianClient api = stack.newOrg(org, "Large", "owner@large.local");
      String scope = seed(api, org);
      List<Run> runs = new ArrayList<>();
      WorkflowServiceStubs temporal = temporal(stack);
      try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
        if (fanOut > 0 || mapItems > 0) {
          List<String> tokens = clusters(api, org, "short", 2);
          try (var fleet = new EmbeddedAgents(tokens, router, stack.agentEndpointTarget(), producer, scheduler, Duration.ofSeconds(1), a -> { })) {
            LoadHarness.awaitConnected(api, org, 2);
            if (fanOut > 0) {
              LoadHarness.check(api.post(scope + "/workflows", Tasks.fanOut("wide", fanOut)), 201);
              onlyOn(api, scope, "wide", "short");
              runs.add(runOne(stack, api, scope, temporal, "static fan-out of " + fanOut + " nodes", fanOut,
                  Map.of("launchPlan", Map.of("name", "wide", "version", "1"))));
            }
            if (mapItems > 0) {
              LoadHarness.check(api.post(scope + "/workflows", Tasks.map("sweep")), 201);
              onlyOn(api, scope, "sweep", "short");
              List<Integer> xs = new ArrayList<>(mapItems);
              for (int i = 0; i < mapItems; i++) {
                xs.add(i);
              }
              runs.add(runOne(stack, api, scope, temporal, "map over " + mapItems + " items", mapItems,
                  Map.of("launchPlan", Map.of("name", "sweep", "version", "1"), "inputs", Map.of("xs", xs))));
            }
          }
        }
        report.append(table(runs));
        if (inFlight > 0) {
          List<String> tokens = clusters(api, org, "long", 4);
          onlyOn(api, scope, "one", "long");
          try (var fleet = new EmbeddedAgents(tokens, router, stack.agentEndpointTarget(), producer, scheduler, Duration.ofHours(2), a -> { })) {
            // The short-task clusters stay registered (disconnected) when the first parts ran.
            LoadHarness.awaitConnected(api, org, tokens.size());
            report.append(inFlight(stack, api, scope, inFlight));
          }
        }
      } finally {
        temporal.shutdownNow();
        router.shutdownNow();
        scheduler.shutdownNow();
      }
      report.append("Services' JVM: ").append(jvm).append(' ').append(jvm.flags()).append('\n');
      System.out.println(report);
    }
  }

  /** A project, lifted rate and execution limits, and the tasks. */
  private static String seed(MeridianClient api, String org) {
    LoadHarness.check(api.post("/api/v1/orgs/" + org + "/projects", Map.of("id", "large")), 201);
    LoadHarness.check(api.put("/api/v1/orgs/" + org + "/quota", Map.of("requestsPerSecond", 100_000,
        "maxConcurrentExecutions", 20_000, "maxQueuedExecutions", 20_000)), 200);
    String scope = "/api/v1/orgs/" + org + "/projects/large/domains/development";
    LoadHarness.check(api.post(scope + "/tasks", Tasks.tick("tick", false)), 201);
    LoadHarness.check(api.post(scope + "/tasks", Tasks.tick("tickx", true)), 201);
    var one = MeridianClient.JSON.createObjectNode().put("name", "one").put("version", "1");
    one.putArray("nodes").addObject().put("id", "n").putObject("task").put("name", "tick").put("version", "1");
    LoadHarness.check(api.post(scope + "/workflows", one), 201);
    return scope;
  }

  /** {@code count} clusters labelled {@code pool=<name>}: the harness's simulated agents, apart from the stack's shared {@code local}. */
  private static List<String> clusters(MeridianClient api, String org, String name, int count) {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tokens.add(LoadHarness.check(api.post("/api/v1/orgs/" + org + "/clusters", Map.of("name", name + i, "labels", Map.of("pool", name))), 201)
          .body().get("token").asString());
    }
    return tokens;
  }

  /** A launch plan named after {@code workflow} that runs it on the clusters of {@code pool} only. */
  private static void onlyOn(MeridianClient api, String scope, String workflow, String pool) {
    LoadHarness.check(api.post(scope + "/launch-plans", Map.of("name", workflow, "version", "1",
        "workflow", Map.of("name", workflow, "version", "1"), "overrides", Map.of("clusterLabels", Map.of("pool", pool)))), 201);
  }

  /** Launches one execution, waits for it to succeed, sampling the router's heap after a full GC every 30 s. */
  private static Run runOne(LocalStack stack, MeridianClient api, String scope, WorkflowServiceStubs temporal, String what, int tasks,
      Object body) throws Exception {
    long begin = System.nanoTime();
    String id = LoadHarness.check(api.post(scope + "/executions", body), 201).body().get("id").asString();
    long heap = 0;
    long lastSample = System.nanoTime();
    JsonNode execution;
    while (true) {
      Thread.sleep(5_000);
      execution = api.get(scope + "/executions/" + id).body();
      if (!execution.get("endedAt").isNull()) {
        break;
      }
      if (System.nanoTime() - lastSample > Duration.ofSeconds(30).toNanos()) {
        heap = Math.max(heap, heapAfterGcMiB(stack));
        lastSample = System.nanoTime();
        System.out.printf("%s: %s after %.0f s, router heap after GC %d MiB%n", what, progress(execution),
            (System.nanoTime() - begin) / 1e9, heap);
      }
    }
    double seconds = (System.nanoTime() - begin) / 1e9;
    if (!execution.get("phase").asString().equals("SUCCEEDED")) {
      throw new IllegalStateException(what + " ended " + execution.get("phase") + ": " + execution.get("error"));
    }
    heap = Math.max(heap, heapAfterGcMiB(stack));
    long[] history = history(temporal, "execution/large/" + id);
    Run run = new Run(what, tasks, seconds, heap, history[0], (int) history[1]);
    System.out.println(run);
    return run;
  }

  private static String progress(JsonNode execution) {
    JsonNode map = execution.get("nodes").get(0).get("map");
    if (map != null && !map.isNull()) {
      return map.get("byPhase").toString();
    }
    return execution.get("nodes").valueStream().filter(n -> n.get("phase").asString().equals("SUCCEEDED")).count() + " nodes succeeded";
  }

  /** {@code inFlight} one-node executions launched and left running; then launch and GET latency at that load. */
  private static String inFlight(LocalStack stack, MeridianClient api, String scope, int inFlight) throws Exception {
    long begin = System.nanoTime();
    long[] posts = launch(api, scope, inFlight);
    double launchSeconds = (System.nanoTime() - begin) / 1e9;
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    int running = 0;
    while (System.nanoTime() < deadline) {
      running = api.get("/api/v1/orgs/large/quota/usage").body().get("runningExecutions").asInt();
      if (running >= inFlight) {
        break;
      }
      Thread.sleep(5_000);
    }
    long heap = heapAfterGcMiB(stack);
    long[] loadedPosts = launch(api, scope, 200);
    String someId = api.get(scope + "/executions?limit=1").body().get("items").get(0).get("id").asString();
    long[] gets = timed(2_000, () -> LoadHarness.check(api.get(scope + "/executions/" + someId), 200));
    return String.format("""

        | executions in flight | launched in | POST p50 / p99 while launching | running at once | router heap after GC | POST p50 / p99 at that load | GET p50 / p99 at that load |
        | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
        | %d | %.0f s | %.0f / %.0f ms | %d | %d MiB | %.0f / %.0f ms | %.0f / %.0f ms |

        """, inFlight, launchSeconds, LoadHarness.percentile(posts, 0.5), LoadHarness.percentile(posts, 0.99), running, heap,
        LoadHarness.percentile(loadedPosts, 0.5), LoadHarness.percentile(loadedPosts, 0.99),
        LoadHarness.percentile(gets, 0.5), LoadHarness.percentile(gets, 0.99));
  }

  private static long[] launch(MeridianClient api, String scope, int count) throws InterruptedException {
    return timed(count, () -> LoadHarness.check(api.post(scope + "/executions", Map.of("launchPlan", Map.of("name", "one", "version", "1"))), 201));
  }

  /** Runs {@code call} {@code count} times on the client threads; the sorted latencies in ms. */
  private static long[] timed(int count, Runnable call) throws InterruptedException {
    ConcurrentLinkedQueue<Long> millis = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
    for (int i = 0; i < count; i++) {
      clients.submit(() -> {
        long start = System.nanoTime();
        call.run();
        millis.add((System.nanoTime() - start) / 1_000_000);
      });
    }
    clients.shutdown();
    clients.awaitTermination(30, TimeUnit.MINUTES);
    return millis.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** The router's heap in use right after a full GC, from jcmd. */
  private static long heapAfterGcMiB(LocalStack stack) throws IOException, InterruptedException {
    long pid = stack.service("cluster-router").pid();
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
    Process info = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
    String output = new String(info.getInputStream().readAllBytes());
    info.waitFor(60, TimeUnit.SECONDS);
    long usedKiB = 0;
    for (String line : output.split("\n")) {
      // Serial GC: one unindented line per generation ("DefNew total …K, used …K", "Tenured …"); spaces and metaspace are indented or after.
      if (!line.startsWith(" ") && line.contains(" total ") && !line.contains("Metaspace")) {
        Matcher used = USED.matcher(line);
        if (used.find()) {
          usedKiB += Long.parseLong(used.group(1));
        }
      }
    }
    return usedKiB / 1024;
  }

  private static WorkflowServiceStubs temporal(LocalStack stack) throws Exception {
    var identity = stack.ca().identity("cluster-router");
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(stack.infrastructure().temporal().target())
        .setSslContext(ServiceChannels.clientContext(new ServiceTls(identity.ca(), identity.certificate(), identity.privateKey())))
        .build());
  }

  /** The largest history (events) among the workflow's runs, and how many runs it took: follows continue-as-new back from the last. */
  private static long[] history(WorkflowServiceStubs temporal, String workflowId) {
    long largest = 0;
    int runs = 0;
    String runId = "";
    while (true) {
      var execution = WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId).build();
      var described = temporal.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setNamespace("meridian").setExecution(execution).build());
      largest = Math.max(largest, described.getWorkflowExecutionInfo().getHistoryLength());
      runs++;
      var first = temporal.blockingStub().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
          .setNamespace("meridian").setExecution(described.getWorkflowExecutionInfo().getExecution()).setMaximumPageSize(1).build());
      String previous = first.getHistory().getEvents(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return new long[] {largest, runs};
      }
      runId = previous;
    }
  }

  private static String table(List<Run> runs) {
    StringBuilder table = new StringBuilder(
        "| execution | tasks | finished in | tasks/s | router heap after GC (max) | largest run's history | workflow runs |\n")
        .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Run run : runs) {
      table.append(String.format("| %s | %d | %.0f s | %.1f | %d MiB | %d events | %d |%n", run.what(), run.tasks(), run.seconds(),
          run.tasksPerSecond(), run.heapMiB(), run.largestHistory(), run.runs()));
    }
    return table.toString();
  }

  /** The harness's tasks and workflows, as the REST API takes them. */
  static final class Tasks {

    private Tasks() {}

    /** A no-op task of 1m CPU; with {@code takesX}, an integer input x and an integer output y. */
    static ObjectNode tick(String name, boolean takesX) {
      var task = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
      var iface = task.putObject("interface");
      if (takesX) {
        iface.putObject("inputs").putObject("x").put("type", "integer");
        iface.putObject("outputs").putObject("y").put("type", "integer");
      }
      task.putObject("container").put("image", "busybox").putArray("command").add("true");
      task.putObject("resources").put("cpu", "1m").put("memory", "1Mi");
      return task;
    }

    static ObjectNode fanOut(String name, int width) {
      var workflow = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
      var nodes = workflow.putArray("nodes");
      for (int i = 0; i < width; i++) {
        nodes.addObject().put("id", "n" + i).putObject("task").put("name", "tick").put("version", "1");
      }
      return workflow;
    }

    static ObjectNode map(String name) {
      var workflow = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
      var iface = workflow.putObject("interface");
      iface.putObject("inputs").putObject("xs").put("type", "collection").putObject("of").put("type", "integer");
      iface.putObject("outputs").putObject("ys").put("type", "collection").putObject("of").put("type", "integer");
      var node = workflow.putArray("nodes").addObject().put("id", "items");
      var map = node.putObject("map").put("input", "x");
      map.putObject("task").put("name", "tickx").put("version", "1");
      node.putObject("inputs").putObject("x").put("fromInput", "xs");
      workflow.putObject("outputs").putObject("ys").put("fromNode", "items").put("output", "y");
      return workflow;
    }
  }
}
