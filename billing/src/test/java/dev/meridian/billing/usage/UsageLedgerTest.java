package dev.meridian.billing.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Timestamp;
import dev.meridian.billing.invoice.Invoices;
import dev.meridian.proto.usage.v1.UsageRecord;
import dev.meridian.testkit.MigratedDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Billing's ledger on its real schema: every record counts once, however it is delivered. */
class UsageLedgerTest {

  private static final DataSource DATABASE = MigratedDatabase.shared("billing");
  private static final JdbcClient JDBC = JdbcClient.create(DATABASE);
  private static final TransactionTemplate TRANSACTIONS = new TransactionTemplate(new DataSourceTransactionManager(DATABASE));
  private final UsageLedger ledger = new UsageLedger(JDBC, new JdbcTemplate(DATABASE), TRANSACTIONS);
  private final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);
  private final String topic = "usage-" + org;

  private UsageRecord record(int attempt, Instant start, Instant end, int gpus) {
    return UsageRecord.newBuilder().setRecordId(org + "/e1/n/" + attempt + "@" + start.toEpochMilli()).setOrg(org).setProject("proj")
        .setDomain("development").setExecutionId("e1").setNodeId("n").setAttemptId("e1/n/" + attempt).setCluster("sim")
        .setGpuType("nvidia-h100").setGpus(gpus).setMilliCpu(500).setMemoryMib(1024).setStartedAt(timestamp(start))
        .setEndedAt(timestamp(end)).setFinal(true).build();
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  private long aggregatedGpuMs() {
    return JDBC.sql("select coalesce(sum(gpu_ms), 0)::bigint from usage_hourly where org_id = :org").param("org", org)
        .query(Long.class).single();
  }

  @Test
  void recordsDuplicatedReplayedFromTheStartAndOutOfOrderAreCountedOnceToTheMillisecond() {
    Random random = new Random(42);
    Instant base = Instant.parse("2026-12-02T22:17:31.123456Z");
    List<UsageRecord> records = new ArrayList<>();
    long expected = 0;
    for (int i = 0; i < 500; i++) {
      Instant start = base.plus(random.nextInt(10_000_000), ChronoUnit.MILLIS).plusNanos(random.nextInt(1_000) * 1_000L);
      Instant end = start.plus(1 + random.nextInt(7_200_000), ChronoUnit.MILLIS).plusNanos(random.nextInt(1_000) * 1_000L);
      int gpus = 1 + random.nextInt(8);
      records.add(record(i, start, end, gpus));
      expected += gpus * (end.truncatedTo(ChronoUnit.MILLIS).toEpochMilli() - start.truncatedTo(ChronoUnit.MILLIS).toEpochMilli());
    }
    List<UsageRecord> delivered = new ArrayList<>(records);
    delivered.addAll(records.subList(0, 100));
    Collections.shuffle(delivered, random);

    int fresh = 0;
    for (int from = 0; from < delivered.size(); from += 64) {
      List<UsageRecord> batch = delivered.subList(from, Math.min(delivered.size(), from + 64));
      fresh += ledger.store(batch, List.of(new UsageLedger.Position(topic, 0, from + batch.size()))).fresh();
    }
    UsageLedger.Stored replayed = ledger.store(records, List.of(new UsageLedger.Position(topic, 0, 0)));

    assertThat(fresh).isEqualTo(500);
    assertThat(replayed.duplicates()).isEqualTo(500);
    assertThat(aggregatedGpuMs()).isEqualTo(expected);
    assertThat(ledger.gpuMsEnded(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z")).get(org).get("nvidia-h100")).isEqualTo(expected);
    assertThat(ledger.positions(topic)).as("a replay never moves the stored position back").containsEntry(0, (long) delivered.size());
  }

  @Test
  void usageOfAMonthClosedBeforeItArrivedIsAnAdjustmentOnTheNextInvoiceAndTheClosedOneNeverChanges() {
    Clock december = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    Invoices invoices = new Invoices(JDBC, TRANSACTIONS, december, "USD");
    YearMonth month = YearMonth.of(2025, 1 + Math.floorMod(org.hashCode(), 12));
    Instant inMonth = month.atDay(10).atStartOfDay().toInstant(ZoneOffset.UTC);
    ledger.store(List.of(record(1, inMonth, inMonth.plus(1, ChronoUnit.HOURS), 1)), List.of());

    assertThat(invoices.close(month)).isInstanceOfAny(Invoices.Closing.Closed.class, Invoices.Closing.AlreadyClosed.class);
    ledger.store(List.of(record(2, inMonth.plus(2, ChronoUnit.HOURS), inMonth.plus(3, ChronoUnit.HOURS), 2)), List.of());

    Invoices.Invoice closed = invoices.get(org, month).orElseThrow();
    Invoices.Invoice next = invoices.get(org, month.plusMonths(1)).orElseThrow();
    assertThat(closed.status()).isEqualTo(Invoices.Status.CLOSED);
    assertThat(closed.lines()).filteredOn(line -> line.resource().equals("gpu:nvidia-h100")).extracting(Invoices.Line::quantity)
        .containsExactly(3_600_000L);
    assertThat(next.lines()).filteredOn(line -> line.resource().equals("gpu:nvidia-h100"))
        .extracting(Invoices.Line::quantity, Invoices.Line::adjustmentFor).containsExactly(tuple(7_200_000L, month));
    assertThatThrownBy(() -> JDBC.sql("update invoices set total_minor = 0 where org_id = :org").param("org", org).update())
        .hasMessageContaining("a closed invoice never changes");
  }

  @Test
  void aMonthThatIsNotOverCannotBeClosed() {
    Clock december = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    assertThat(new Invoices(JDBC, TRANSACTIONS, december, "USD").close(YearMonth.of(2026, 12)))
        .isEqualTo(new Invoices.Closing.NotOver(YearMonth.of(2026, 12)));
  }
}
