package dev.meridian.billing.usage;

import dev.meridian.billing.invoice.Periods;
import dev.meridian.proto.usage.v1.UsageRecord;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Billing's storage of usage: records kept once by id, hourly aggregates, and the consumer's
 * offsets, always written together in one transaction.
 */
public class UsageLedger {

  /** What a batch did: how many records were new, how many were seen before. */
  public record Stored(int fresh, int duplicates) {}

  /** Where a consumed batch ends, per partition of the topic: the next offset to read. */
  public record Position(String topic, int partition, long nextOffset) {}

  /** Closing a period and ingesting must not interleave: the advisory lock every ingest shares. */
  public static final long PERIOD_LOCK = 0x6d65746572L;

  private final JdbcClient jdbc;
  private final JdbcTemplate template;
  private final TransactionTemplate transactions;

  public UsageLedger(JdbcClient jdbc, JdbcTemplate template, TransactionTemplate transactions) {
    this.jdbc = jdbc;
    this.template = template;
    this.transactions = transactions;
  }

  /** Where each partition of {@code topic} goes on from, for those billing has read before. */
  public Map<Integer, Long> positions(String topic) {
    Map<Integer, Long> positions = new TreeMap<>();
    jdbc.sql("select partition, next_offset from consumer_offsets where topic = :topic").param("topic", topic)
        .query(rs -> {
          positions.put(rs.getInt(1), rs.getLong(2));
        });
    return positions;
  }

  /**
   * Stores the batch exactly once: records whose id is already kept change nothing; new ones are
   * added to their hours; and the consumer's positions move, all in one transaction.
   */
  public Stored store(List<UsageRecord> records, List<Position> positions) {
    if (records.isEmpty() && positions.isEmpty()) {
      return new Stored(0, 0);
    }
    return transactions.execute(status -> {
      jdbc.sql("select pg_advisory_xact_lock_shared(:lock)").param("lock", PERIOD_LOCK).query((rs, i) -> 1).single();
      int[] inserted = records.isEmpty() ? new int[0] : template.batchUpdate("""
          insert into usage_records (record_id, org_id, project, domain, execution_id, node_id, attempt_id, cluster, gpu_type, gpus,
                                     milli_cpu, memory_mib, started_at, ended_at, final)
          values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          on conflict (record_id) do nothing
          """, records, records.size(), (statement, record) -> {
        statement.setString(1, record.getRecordId());
        statement.setString(2, record.getOrg());
        statement.setString(3, record.getProject());
        statement.setString(4, record.getDomain());
        statement.setString(5, record.getExecutionId());
        statement.setString(6, record.getNodeId().isEmpty() ? null : record.getNodeId());
        statement.setString(7, record.getAttemptId());
        statement.setString(8, record.getCluster());
        statement.setString(9, record.getGpuType());
        statement.setInt(10, record.getGpus());
        statement.setLong(11, record.getMilliCpu());
        statement.setLong(12, record.getMemoryMib());
        statement.setTimestamp(13, Timestamp.from(instant(record.getStartedAt())));
        statement.setTimestamp(14, Timestamp.from(instant(record.getEndedAt())));
        statement.setBoolean(15, record.getFinal());
      })[0];
      if (!positions.isEmpty()) {
        storePositions(positions);
      }
      List<UsageRecord> fresh = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        if (inserted[i] == 1) {
          fresh.add(records.get(i));
        }
      }
      if (!fresh.isEmpty()) {
        addToHours(fresh, closedPeriods());
      }
      return new Stored(fresh.size(), records.size() - fresh.size());
    });
  }

  private void storePositions(List<Position> positions) {
    template.batchUpdate("""
        insert into consumer_offsets (topic, partition, next_offset) values (?, ?, ?)
        on conflict (topic, partition) do update set next_offset = greatest(consumer_offsets.next_offset, excluded.next_offset)
        """, positions, positions.size(), (statement, position) -> {
      statement.setString(1, position.topic());
      statement.setInt(2, position.partition());
      statement.setLong(3, position.nextOffset());
    });
  }

  public Set<YearMonth> closedPeriods() {
    return new HashSet<>(jdbc.sql("select period from closed_periods").query((rs, i) -> YearMonth.from(rs.getDate(1).toLocalDate())).list());
  }

  private record HourKey(String org, Instant hour, String project, String cluster, String gpuType, YearMonth billedIn)
      implements Comparable<HourKey> {
    @Override
    public int compareTo(HourKey other) {
      return java.util.Comparator.comparing(HourKey::org).thenComparing(HourKey::hour).thenComparing(HourKey::project)
          .thenComparing(HourKey::cluster).thenComparing(HourKey::gpuType).thenComparing(HourKey::billedIn).compare(this, other);
    }
  }

  /** Adds the records' pieces to their hours, in key order so concurrent writers never deadlock. */
  private void addToHours(List<UsageRecord> records, Set<YearMonth> closed) {
    Map<HourKey, Usage> hours = new TreeMap<>();
    for (UsageRecord record : records) {
      for (HourSplit.Piece piece : HourSplit.of(instant(record.getStartedAt()), instant(record.getEndedAt()))) {
        HourKey key = new HourKey(record.getOrg(), piece.hour(), record.getProject(), record.getCluster(), record.getGpuType(),
            Periods.billedIn(piece.hour(), closed));
        hours.merge(key, Usage.of(record.getGpus(), record.getMilliCpu(), record.getMemoryMib(), piece.millis()), Usage::plus);
      }
    }
    List<Map.Entry<HourKey, Usage>> rows = new ArrayList<>(hours.entrySet());
    template.batchUpdate("""
        insert into usage_hourly (org_id, hour, project, cluster, gpu_type, billed_period, gpu_ms, millicore_ms, mib_ms)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict (org_id, hour, project, cluster, gpu_type, billed_period) do update set
          gpu_ms = usage_hourly.gpu_ms + excluded.gpu_ms,
          millicore_ms = usage_hourly.millicore_ms + excluded.millicore_ms,
          mib_ms = usage_hourly.mib_ms + excluded.mib_ms
        """, rows, rows.size(), (statement, row) -> {
      HourKey key = row.getKey();
      statement.setString(1, key.org());
      statement.setTimestamp(2, Timestamp.from(key.hour()));
      statement.setString(3, key.project());
      statement.setString(4, key.cluster());
      statement.setString(5, key.gpuType());
      statement.setDate(6, Date.valueOf(key.billedIn().atDay(1)));
      statement.setLong(7, row.getValue().gpuMs());
      statement.setLong(8, row.getValue().millicoreMs());
      statement.setLong(9, row.getValue().mibMs());
    });
  }

  /** GPU-milliseconds per org and GPU type of the kept records that ended in [from, before). */
  public Map<String, Map<String, Long>> gpuMsEnded(Instant from, Instant before) {
    Map<String, Map<String, Long>> totals = new TreeMap<>();
    jdbc.sql("""
        select org_id, gpu_type, sum(gpus * (floor(extract(epoch from ended_at) * 1000) - floor(extract(epoch from started_at) * 1000)))::bigint
          from usage_records where ended_at >= :from and ended_at < :before group by 1, 2
        """).param("from", Timestamp.from(from)).param("before", Timestamp.from(before))
        .query(rs -> {
          totals.computeIfAbsent(rs.getString(1), org -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
        });
    return totals;
  }

  static Instant instant(com.google.protobuf.Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
