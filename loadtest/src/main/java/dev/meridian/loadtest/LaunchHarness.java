package dev.meridian.loadtest;

import dev.meridian.devstack.LocalStack;
import dev.meridian.devstack.MeridianClient;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How fast the public API starts executions: 1, 10 and 100 orgs launching a one-node workflow at
 * once (each org with a simulated cluster of ample capacity, in this JVM), 16 client threads.
 * Reports executions accepted per second, executions started (created → RUNNING) per second, and
 * p50/p99 of the {@code POST} and of created → RUNNING; against, in the same run, raw Temporal
 * workflow starts per second and {@code GET} of one execution per second.
 *
 * <p>{@code java -cp ... dev.meridian.loadtest.LaunchHarness [orgs=1,10,100] [launches=1000] [jvm=THROUGHPUT|STARTUP] [routers=1]}
 * (with several routers the gateway spreads launches over them and the agents are spread evenly)
 */
public final class LaunchHarness {

  private static final int CLIENT_THREADS = 16;

  record Level(int orgs, int launches, double acceptedPerSecond, double startedPerSecond, double postP50, double postP99,
      double startP50, double startP99) {}

  record Org(MeridianClient api, String scope) {}

  public static void main(String[] args) throws Exception {
    int[] levels = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 10, 100};
    int launches = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    LocalStack.ServiceJvm jvm = args.length > 2 ? LocalStack.ServiceJvm.valueOf(args[2]) : LocalStack.ServiceJvm.THROUGHPUT;
    int routerCount = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    Path home = Files.createTempDirectory("meridian-launch-");
    try (LocalStack stack = LocalStack.start(new LocalStack.Options(home, LoadHarness.repository(), LocalStack.Layout.free(), false,
        Duration.ofMinutes(2), jvm, routerCount))) {
      double temporalStarts = LoadHarness.temporalStartRate(stack, 2000);
      List<ManagedChannel> routers = stack.agentChannels();
      var scheduler = Executors.newScheduledThreadPool(2);
      Map<String, Object> settings = new java.util.HashMap<>(stack.infrastructure().kafka().clientProperties(dev.meridian.testkit.KafkaBroker.ADMIN));
      settings.putAll(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5));
      List<Level> results = new ArrayList<>();
      double gets = 0;
      try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
        for (int level : levels) {
          List<Org> orgs = new ArrayList<>();
          List<String> tokens = new ArrayList<>();
          for (int i = 0; i < level; i++) {
            String slug = "launch-" + level + "-" + i;
            MeridianClient api = stack.newOrg(slug, "Launch " + i, slug + "@meridian.local");
            orgs.add(new Org(api, seed(api, slug)));
            tokens.add(LoadHarness.check(api.post("/api/v1/orgs/" + slug + "/clusters", Map.of("name", "sim", "labels", Map.of("pool", "bench"))), 201)
                .body().get("token").asString());
          }
          try (var fleet = new EmbeddedAgents(tokens, routers, stack.agentEndpointTarget(), producer, scheduler, Duration.ofSeconds(30),
              assignment -> { })) {
            for (Org org : orgs) {
              LoadHarness.awaitConnected(org.api(), org.scope().split("/")[4], 1);
            }
            launch(orgs, Math.min(50, launches));
            results.add(runLevel(orgs, launches));
            if (gets == 0) {
              gets = getRate(orgs.getFirst(), Duration.ofSeconds(10));
            }
            for (Org org : orgs) {
              String slug = org.scope().split("/")[4];
              for (var execution : org.api().get(org.scope() + "/executions?limit=500&phase=RUNNING").body().get("items")) {
                org.api().post(org.scope() + "/executions/" + execution.get("id").asString() + "/terminate", Map.of("reason", "level done"));
              }
              for (var cluster : org.api().get("/api/v1/orgs/" + slug + "/clusters").body().get("items")) {
                org.api().delete("/api/v1/orgs/" + slug + "/clusters/" + cluster.get("id").asString() + "?force=true");
              }
            }
          }
        }
      } finally {
        routers.forEach(ManagedChannel::shutdownNow);
        scheduler.shutdownNow();
      }
      System.out.println(report(results, temporalStarts, gets) + "Services' JVM: " + jvm + " " + jvm.flags() + "; routers: " + routerCount + "\n");
    }
  }

  /** A project, a lifted API rate limit, a one-node workflow and a launch plan that runs it on the org's simulated cluster only. */
  private static String seed(MeridianClient api, String org) {
    LoadHarness.check(api.post("/api/v1/orgs/" + org + "/projects", Map.of("id", "load")), 201);
    LoadHarness.check(api.put("/api/v1/orgs/" + org + "/quota", Map.of("requestsPerSecond", 100_000)), 200);
    String scope = "/api/v1/orgs/" + org + "/projects/load/domains/development";
    var task = MeridianClient.JSON.createObjectNode().put("name", "tick").put("version", "1");
    task.putObject("interface");
    var container = task.putObject("container").put("image", "busybox");
    container.putArray("command").add("true");
    task.putObject("resources").put("cpu", "1m").put("memory", "1Mi");
    LoadHarness.check(api.post(scope + "/tasks", task), 201);
    var workflow = MeridianClient.JSON.createObjectNode().put("name", "one").put("version", "1");
    workflow.putArray("nodes").addObject().put("id", "n").putObject("task").put("name", "tick").put("version", "1");
    LoadHarness.check(api.post(scope + "/workflows", workflow), 201);
    LoadHarness.check(api.post(scope + "/launch-plans", Map.of("name", "one", "version", "1", "workflow", Map.of("name", "one", "version", "1"),
        "overrides", Map.of("clusterLabels", Map.of("pool", "bench")))), 201);
    return scope;
  }

  record Launched(Org org, String id, long postMillis) {}

  private static List<Launched> launch(List<Org> orgs, int launches) throws InterruptedException {
    ConcurrentLinkedQueue<Launched> launched = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
    for (int i = 0; i < launches; i++) {
      clients.submit(() -> {
        Org org = orgs.get(next.getAndIncrement() % orgs.size());
        long begin = System.nanoTime();
        var response = LoadHarness.check(org.api().post(org.scope() + "/executions", Map.of("launchPlan", Map.of("name", "one", "version", "1"))), 201);
        launched.add(new Launched(org, response.body().get("id").asString(), (System.nanoTime() - begin) / 1_000_000));
      });
    }
    clients.shutdown();
    clients.awaitTermination(10, TimeUnit.MINUTES);
    return List.copyOf(launched);
  }

  private static Level runLevel(List<Org> orgs, int launches) throws InterruptedException {
    long begin = System.currentTimeMillis();
    List<Launched> launched = launch(orgs, launches);
    long accepted = System.currentTimeMillis();
    List<Long> startLatencies = new ArrayList<>();
    long lastStart = 0;
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    for (Launched execution : launched) {
      while (true) {
        var body = execution.org().api().get(execution.org().scope() + "/executions/" + execution.id()).body();
        if (!body.get("startedAt").isNull()) {
          long created = Instant.parse(body.get("createdAt").asString()).toEpochMilli();
          long started = Instant.parse(body.get("startedAt").asString()).toEpochMilli();
          startLatencies.add(started - created);
          lastStart = Math.max(lastStart, started);
          break;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("execution " + execution.id() + " did not start within 5 minutes");
        }
        Thread.sleep(100);
      }
    }
    long[] posts = launched.stream().mapToLong(Launched::postMillis).sorted().toArray();
    long[] starts = startLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
    Level level = new Level(orgs.size(), launched.size(), launched.size() / ((accepted - begin) / 1000.0),
        launched.size() / ((lastStart - begin) / 1000.0), LoadHarness.percentile(posts, 0.5), LoadHarness.percentile(posts, 0.99),
        LoadHarness.percentile(starts, 0.5), LoadHarness.percentile(starts, 0.99));
    System.out.println(level);
    return level;
  }

  /** {@code GET} of one execution per second with the same client threads: what the stack serves when nothing is started. */
  private static double getRate(Org org, Duration duration) throws InterruptedException {
    String id = org.api().get(org.scope() + "/executions?limit=1").body().get("items").get(0).get("id").asString();
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + duration.toNanos();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
    for (int i = 0; i < CLIENT_THREADS; i++) {
      clients.submit(() -> {
        while (System.nanoTime() < end) {
          LoadHarness.check(org.api().get(org.scope() + "/executions/" + id), 200);
          done.incrementAndGet();
        }
      });
    }
    clients.shutdown();
    clients.awaitTermination(1, TimeUnit.MINUTES);
    return done.get() / (duration.toNanos() / 1e9);
  }

  private static String report(List<Level> levels, double temporalStarts, double gets) {
    StringBuilder table = new StringBuilder(
        "| orgs | launches | accepted/s | started/s | POST p50 | POST p99 | created→RUNNING p50 | p99 | started ÷ Temporal starts |\n")
        .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Level level : levels) {
      table.append(String.format("| %d | %d | %.1f | %.1f | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.2f |%n", level.orgs(), level.launches(),
          level.acceptedPerSecond(), level.startedPerSecond(), level.postP50(), level.postP99(), level.startP50(), level.startP99(),
          level.startedPerSecond() / temporalStarts));
    }
    table.append(String.format("%nBaselines (same run): %.0f Temporal workflow starts/s; %.0f GET of one execution/s (%d client threads).%n",
        temporalStarts, gets, CLIENT_THREADS));
    return table.toString();
  }
}
