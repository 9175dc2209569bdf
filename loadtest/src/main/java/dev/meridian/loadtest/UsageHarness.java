package dev.meridian.loadtest;

import com.google.protobuf.Timestamp;
import dev.meridian.devstack.LocalStack;
import dev.meridian.devstack.ServiceProcess;
import dev.meridian.proto.usage.v1.UsageRecord;
import dev.meridian.testkit.KafkaBroker;
import dev.meridian.testkit.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How fast billing stores usage records exactly once, against, in the same run, a bare Kafka
 * consumer that only reads and commits the same number of the same records; and how far behind
 * the aggregates are under a steady stream.
 *
 * <ol>
 *   <li>baseline: N records on a topic of their own; a consumer (same security, same
 *       {@code max.poll.records}) reads them from the start and commits after every poll.
 *   <li>billing: billing is stopped, N records of one org (a backlog of {@code spreadHours}) are put
 *       on {@code meridian.usage.v1}, billing is started; rate = records stored ÷ time from the first
 *       stored to the last.
 *   <li>lag: records of another org at a steady rate with {@code ended_at} = the moment they are
 *       sent; lag = billing's {@code ingested_at} − {@code ended_at}, p50 and p99.
 * </ol>
 *
 * <p>{@code java -cp ... dev.meridian.loadtest.UsageHarness [records=200000] [steadyPerSecond=2000] [steadySeconds=30] [jvm=THROUGHPUT] [spreadHours=2]}
 */
public final class UsageHarness {

  private UsageHarness() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int steadyRate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int steadySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    LocalStack.ServiceJvm jvm = args.length > 3 ? LocalStack.ServiceJvm.valueOf(args[3]) : LocalStack.ServiceJvm.THROUGHPUT;
    int spreadHours = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    Path home = Files.createTempDirectory("meridian-usage-");
    try (LocalStack stack = LocalStack.start(new LocalStack.Options(home, LoadHarness.repository(), LocalStack.Layout.free(), false,
        Duration.ofMinutes(2), jvm, 1))) {
      KafkaBroker kafka = stack.infrastructure().kafka();
      PostgresServer postgres = stack.infrastructure().postgres();
      Map<String, Object> producing = new HashMap<>(kafka.clientProperties(KafkaBroker.ADMIN));
      producing.putAll(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
      try (var producer = new KafkaProducer<>(producing, new StringSerializer(), new ByteArraySerializer());
          Connection billingDb = DriverManager.getConnection(postgres.jdbcUrl() + "?currentSchema=billing", PostgresServer.USER,
              postgres.password())) {
        String rawTopic = "meridian.bench-raw." + UUID.randomUUID();
        String bulkOrg = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        send(producer, rawTopic, bulkOrg, records, Instant.parse("2025-03-01T00:00:00Z"), spreadHours);
        double raw = rawConsumeAndCommit(kafka, rawTopic, records);

        ServiceProcess billing = stack.service("billing");
        billing.kill();
        send(producer, "meridian.usage.v1", bulkOrg, records, Instant.parse("2025-03-01T00:00:00Z"), spreadHours);
        billing.start().awaitHealthy(Duration.ofSeconds(180));
        double[] ingest = ingestRate(billingDb, bulkOrg, records);

        String steadyOrg = "steady-" + UUID.randomUUID().toString().substring(0, 8);
        int steady = steadyRate * steadySeconds;
        long next = System.nanoTime();
        for (int i = 0; i < steady; i++) {
          Instant now = Instant.now();
          producer.send(new ProducerRecord<>("meridian.usage.v1", steadyOrg, record(steadyOrg, i, now.minusSeconds(60), now).toByteArray()));
          next += 1_000_000_000L / steadyRate;
          LockSupport.parkNanos(next - System.nanoTime());
        }
        producer.flush();
        awaitStored(billingDb, steadyOrg, steady, Duration.ofMinutes(5));
        double[] lag = lagMillis(billingDb, steadyOrg);

        System.out.printf("""
            usage records: %,d; raw Kafka consume + commit: %,.0f records/s
            billing ingest (exactly once, aggregated): %,.0f records/s (%.2f x raw); first record stored %.1f s after billing was healthy
            aggregation lag at %,d records/s for %d s (ingested_at - ended_at): p50 %.0f ms, p99 %.0f ms
            services' JVM: %s; the bulk records spread over %d hours
            """, records, raw, ingest[0], ingest[0] / raw, ingest[1], steadyRate, steadySeconds, lag[0], lag[1], jvm, spreadHours);
      }
    }
  }

  private static UsageRecord record(String org, int i, Instant start, Instant end) {
    return UsageRecord.newBuilder().setRecordId(org + "/e" + i + "/n/1@" + start.toEpochMilli()).setOrg(org).setProject("p" + (i % 10))
        .setDomain("development").setExecutionId("e" + i).setNodeId("n").setAttemptId("e" + i + "/n/1").setCluster("c" + (i % 4))
        .setGpuType(i % 3 == 0 ? "" : "nvidia-h100").setGpus(i % 3 == 0 ? 0 : 1 + i % 8).setMilliCpu(1000).setMemoryMib(4096)
        .setStartedAt(timestamp(start)).setEndedAt(timestamp(end)).setFinal(true).build();
  }

  /**
   * {@code count} records of one org starting within {@code spreadHours} from {@code from}, each up
   * to ten minutes long (up to three hours when spread over more than a day): a backlog of that many
   * hours. The more hours, the more aggregate rows each batch touches.
   */
  private static void send(KafkaProducer<String, byte[]> producer, String topic, String org, int count, Instant from, int spreadHours) {
    java.util.Random random = new java.util.Random(11);
    int longest = spreadHours > 24 ? 3 * 3_600_000 : 600_000;
    for (int i = 0; i < count; i++) {
      Instant start = from.plusMillis(random.nextLong(spreadHours * 3_600_000L));
      producer.send(new ProducerRecord<>(topic, org, record(org, i, start, start.plusMillis(1 + random.nextInt(longest))).toByteArray()));
    }
    producer.flush();
  }

  private static double rawConsumeAndCommit(KafkaBroker kafka, String topic, int count) {
    Map<String, Object> consuming = new HashMap<>(kafka.clientProperties(KafkaBroker.ADMIN));
    consuming.putAll(Map.of("group.id", "bench-raw-" + UUID.randomUUID(), "auto.offset.reset", "earliest", "enable.auto.commit", false,
        "max.poll.records", 5000, "isolation.level", "read_committed"));
    try (var consumer = new KafkaConsumer<>(consuming, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      int read = 0;
      long first = 0;
      int firstBatch = 0;
      while (read < count) {
        ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (batch.isEmpty()) {
          continue;
        }
        for (var record : batch) {
          UsageRecord.parseFrom(record.value());
        }
        consumer.commitSync();
        if (first == 0) {
          first = System.nanoTime();
          firstBatch = batch.count();
        }
        read += batch.count();
      }
      return (read - firstBatch) / ((System.nanoTime() - first) / 1e9);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long stored(Connection db, String org) throws SQLException {
    try (PreparedStatement count = db.prepareStatement("select count(*) from usage_records where org_id = ?")) {
      count.setString(1, org);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Records stored per second from the first stored batch to the last, and seconds until the first. */
  private static double[] ingestRate(Connection db, String org, int count) throws SQLException {
    long healthy = System.nanoTime();
    long first = 0;
    long firstCount = 0;
    long now;
    while ((now = stored(db, org)) < count) {
      if (first == 0 && now > 0) {
        first = System.nanoTime();
        firstCount = now;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    return new double[] {(count - firstCount) / ((System.nanoTime() - first) / 1e9), (first - healthy) / 1e9};
  }

  private static void awaitStored(Connection db, String org, int count, Duration timeout) throws SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stored(db, org) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("billing did not store " + count + " records of " + org + " within " + timeout);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  private static double[] lagMillis(Connection db, String org) throws SQLException {
    try (PreparedStatement lag = db.prepareStatement("""
        select percentile_cont(0.5) within group (order by extract(epoch from ingested_at - ended_at) * 1000),
               percentile_cont(0.99) within group (order by extract(epoch from ingested_at - ended_at) * 1000)
          from usage_records where org_id = ?
        """)) {
      lag.setString(1, org);
      try (ResultSet rs = lag.executeQuery()) {
        rs.next();
        return new double[] {rs.getDouble(1), rs.getDouble(2)};
      }
    }
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
