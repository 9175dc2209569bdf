package dev.meridian.loadtest;

import dev.meridian.devstack.LocalStack;
import dev.meridian.devstack.MeridianClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway at ten times an org's rate limit. An org with {@code requestsPerSecond: 20} reads an
 * execution at 10 requests per second (unloaded), then at 200 (10× its limit), each for 20 s, paced
 * evenly. Reported: latency of the admitted (200) answers in both phases, how many were admitted per
 * second, the latency of the 429s, and whether a terminate during the overload went through.
 *
 * <p>{@code java -cp ... dev.meridian.loadtest.RateLimitLoad}
 */
public final class RateLimitLoad {

  private static final int LIMIT = 20;
  private static final Duration PHASE = Duration.ofSeconds(20);

  record Phase(String name, int rate, int sent, int admitted, int throttled, double admittedP50, double admittedP99, double throttledP99) {}

  public static void main(String[] args) throws Exception {
    Path home = Files.createTempDirectory("meridian-ratelimit-");
    try (LocalStack stack = LocalStack.start(new LocalStack.Options(home, LoadHarness.repository(), LocalStack.Layout.free(), false,
        Duration.ofMinutes(2)))) {
      MeridianClient api = stack.newOrg("edge", "Edge", "edge@meridian.local");
      api.post("/api/v1/orgs/edge/projects", Map.of("id", "edge-project"));
      String scope = "/api/v1/orgs/edge/projects/edge-project/domains/development";
      dev.meridian.devstack.Examples.register(api, scope);
      var launched = api.post(scope + "/executions", Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"),
          "inputs", Map.of("n", 2)));
      String execution = scope + "/executions/" + launched.body().get("id").asString();
      api.put("/api/v1/orgs/edge/quota", Map.of("requestsPerSecond", LIMIT));
      Thread.sleep(3_000);

      Phase unloaded = run(api, execution, "unloaded (½ the limit)", LIMIT / 2, null);
      Thread.sleep(2_000);
      AtomicInteger terminateStatus = new AtomicInteger();
      Phase overloaded = run(api, execution, "10× the limit", LIMIT * 10, terminateStatus);
      System.out.println(report(unloaded, overloaded, terminateStatus.get()));
    }
  }

  private static Phase run(MeridianClient api, String execution, String name, int rate, AtomicInteger terminateStatus) throws Exception {
    ConcurrentLinkedQueue<Long> admitted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> throttled = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    long periodNanos = 1_000_000_000L / rate;
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    var senders = Executors.newVirtualThreadPerTaskExecutor();
    var ticks = pacer.scheduleAtFixedRate(() -> senders.execute(() -> {
      sent.incrementAndGet();
      long start = System.nanoTime();
      int status = api.get(execution).status();
      long took = System.nanoTime() - start;
      (status == 429 ? throttled : admitted).add(took);
    }), 0, periodNanos, TimeUnit.NANOSECONDS);
    if (terminateStatus != null) {
      Thread.sleep(PHASE.toMillis() / 2);
      terminateStatus.set(api.post(execution + "/terminate", Map.of("reason", "overloaded")).status());
      Thread.sleep(PHASE.toMillis() / 2);
    } else {
      Thread.sleep(PHASE.toMillis());
    }
    ticks.cancel(false);
    pacer.shutdown();
    senders.shutdown();
    senders.awaitTermination(30, TimeUnit.SECONDS);
    return new Phase(name, rate, sent.get(), admitted.size(), throttled.size(), percentile(admitted, 0.5), percentile(admitted, 0.99),
        percentile(throttled, 0.99));
  }

  private static double percentile(ConcurrentLinkedQueue<Long> nanos, double p) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] / 1e6;
  }

  private static String report(Phase unloaded, Phase overloaded, int terminateStatus) {
    StringBuilder out = new StringBuilder("\n## rate limit at 10x (limit " + LIMIT + " requests/s, " + PHASE.toSeconds() + " s per phase)\n");
    out.append("| phase | offered/s | sent | admitted | admitted/s | 429s | admitted p50 | admitted p99 | 429 p99 |\n");
    out.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Phase phase : new Phase[] {unloaded, overloaded}) {
      out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %d | %.1f ms | %.1f ms | %.1f ms |%n", phase.name(), phase.rate(),
          phase.sent(), phase.admitted(), phase.admitted() / (double) PHASE.toSeconds(), phase.throttled(), phase.admittedP50(),
          phase.admittedP99(), phase.throttledP99()));
    }
    out.append(String.format(Locale.ROOT, "admitted p99 at 10x / unloaded p99: %.2f; terminate during the overload answered %d%n",
        overloaded.admittedP99() / unloaded.admittedP99(), terminateStatus));
    return out.toString();
  }
}
