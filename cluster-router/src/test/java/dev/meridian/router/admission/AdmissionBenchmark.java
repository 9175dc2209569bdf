package dev.meridian.router.admission;

import dev.meridian.testkit.Ports;
import dev.meridian.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admission decisions per second and decision latency with 1k, 10k and 100k queued tasks, against
 * the real ledger in PostgreSQL: an org with a quota of 64 GPUs and four projects, its quota full,
 * and clients that each release a reservation (an attempt ended) and wait for the pass that admits
 * the next task. Latency is from the release to the end of that pass. The baseline, measured in the
 * same run on the same database, is one single-row update transaction.
 *
 * <p>{@code ./mvnw -pl cluster-router test -Dtest=AdmissionBenchmark -Dmeridian.bench=true}
 */
@EnabledIfSystemProperty(named = "meridian.bench", matches = "true")
class AdmissionBenchmark {

  private static final int QUOTA = 64;
  private static final int PROJECTS = 4;
  private static final int CLIENTS = 16;
  private static final int DECISIONS = 4_000;

  @Test
  void admissionDecisionsPerSecondByQueueLength() throws Exception {
    Path dir = Files.createTempDirectory("admission-bench-");
    try (PostgresServer postgres = PostgresServer.start(Ports.free(), dir, false)) {
      var dataSource = new SimpleDriverDataSource(new org.postgresql.Driver(), postgres.jdbcUrl() + "?currentSchema=router",
          PostgresServer.USER, postgres.password());
      Flyway.configure().dataSource(dataSource).schemas("router").defaultSchema("router").load().migrate();
      var pool = new com.zaxxer.hikari.HikariDataSource();
      pool.setJdbcUrl(postgres.jdbcUrl() + "?currentSchema=router");
      pool.setUsername(PostgresServer.USER);
      pool.setPassword(postgres.password());
      pool.setMaximumPoolSize(CLIENTS + 4);
      JdbcClient jdbc = JdbcClient.create(pool);
      TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(pool));
      AdmissionLedger ledger = new AdmissionLedger(jdbc);
      AdmissionProperties properties = new AdmissionProperties("127.0.0.1:1", null, null, null, null);
      var identity = dev.meridian.testkit.DeploymentCa.shared().identity("cluster-router");
      QuotaCache quotas = new QuotaCache(properties, new dev.meridian.identity.ServiceTls(identity.ca(), identity.certificate(), identity.privateKey())) {
        @Override
        public Limits of(String org) {
          return new Limits(Map.of(Resources.GPU_PREFIX + "nvidia-h100", (long) QUOTA), Map.of(), null, Map.of());
        }
      };
      LinkedBlockingQueue<String> admitted = new LinkedBlockingQueue<>();
      Admitter admitter = new Admitter(ledger, quotas, transactions, a -> admitted.add(a.requestId()), properties, new SimpleMeterRegistry());

      List<String> rows = new ArrayList<>();
      double baselineP99 = baseline(jdbc, transactions);
      rows.add(String.format(Locale.ROOT, "baseline: one single-row update transaction, p99 %.2f ms", baselineP99));
      for (int queued : new int[] {1_000, 10_000, 100_000}) {
        rows.add(level(jdbc, ledger, admitter, admitted, queued, baselineP99));
      }
      System.out.println("\n## admission benchmark\n" + String.join("\n", rows) + "\n");
      pool.close();
    }
  }

  private static double baseline(JdbcClient jdbc, TransactionTemplate transactions) {
    jdbc.sql("create table if not exists bench_baseline (id int primary key, n bigint)").update();
    jdbc.sql("insert into bench_baseline values (1, 0) on conflict do nothing").update();
    long[] nanos = new long[2_000];
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      transactions.executeWithoutResult(tx -> jdbc.sql("update bench_baseline set n = n + 1 where id = 1").update());
      nanos[i] = System.nanoTime() - start;
    }
    return percentile(nanos, 0.99) / 1e6;
  }

  private static String level(JdbcClient jdbc, AdmissionLedger ledger, Admitter admitter, LinkedBlockingQueue<String> admitted,
      int queued, double baselineP99) throws Exception {
    String org = "bench-" + queued;
    // The quota is full (64 admitted), and `queued` more wait, spread over four projects and three priorities.
    jdbc.sql("""
        insert into admissions (org_id, request_id, kind, project, execution_id, node_id, priority, ready_at, gpu_type, gpus,
                                milli_cpu, memory_mib, state)
        select :org, 't' || g, 'TASK', 'p' || (g % :projects), 'x' || (g / 10), 'n' || (g % 10), g % 3,
               now() + g * interval '1 millisecond', 'nvidia-h100', 1, 100, 128,
               case when g < :quota then 'ADMITTED' else 'QUEUED' end
          from generate_series(0, :total - 1) g
        """).param("org", org).param("projects", PROJECTS).param("quota", QUOTA).param("total", queued + QUOTA).update();
    jdbc.sql("analyze admissions").update();
    // Reservations held now; a client takes one (its attempt ended), releases it and waits for the pass that admits the next.
    LinkedBlockingQueue<String> running = admitted;
    running.clear();
    running.addAll(jdbc.sql("select request_id from admissions where org_id = :org and state = 'ADMITTED'").param("org", org)
        .query(String.class).list());
    int decisions = Math.min(DECISIONS, queued);
    long[] latencies = new long[decisions];
    AtomicInteger next = new AtomicInteger();
    long started = System.nanoTime();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      for (int c = 0; c < CLIENTS; c++) {
        clients.execute(() -> {
          int i;
          while ((i = next.getAndIncrement()) < decisions) {
            String ended;
            try {
              ended = running.poll(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
            if (ended == null) {
              throw new IllegalStateException("nothing was admitted for 30 s");
            }
            long start = System.nanoTime();
            ledger.release(org, ended);
            admitter.wake(org).join();
            latencies[i] = System.nanoTime() - start;
          }
        });
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int reserved = jdbc.sql("select coalesce(sum(gpus), 0) from admissions where org_id = :org and state = 'ADMITTED'")
        .param("org", org).query(Integer.class).single();
    if (reserved > QUOTA) {
      throw new AssertionError(reserved + " GPUs reserved against a quota of " + QUOTA);
    }
    double p50 = percentile(latencies, 0.50) / 1e6;
    double p99 = percentile(latencies, 0.99) / 1e6;
    return String.format(Locale.ROOT, "| %,d queued | %,.0f decisions/s | p50 %.1f ms | p99 %.1f ms | p99 / baseline p99 %.1f× | reserved at end %d/%d |",
        queued, decisions / seconds, p50, p99, p99 / baselineP99, reserved, QUOTA);
  }

  private static double percentile(long[] values, double p) {
    long[] sorted = Arrays.copyOf(values, values.length);
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  }
}
