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
      jdbc.sql("select pg_advisory_xact_lock_shared(:lock)").param("lock", Periods.CLOSING_LOCK).query((rs, i) -> 1).single();
      List<UsageRecord> fresh = insertNew(records);
      if (!positions.isEmpty()) {
        storePositions(positions);
      }
      if (!fresh.isEmpty()) {
        addToHours(fresh, closedPeriods());
      }
      return new Stored(fresh.size(), records.size() - fresh.size());
    });
  }

  /**
   * Inserts the records whose id is not kept yet, in one statement over arrays (a JDBC batch of
   * single-row inserts was a quarter as fast); answers those that were new. A record twice in the
   * batch is inserted once.
   */
  private List<UsageRecord> insertNew(List<UsageRecord> records) {
    Map<String, UsageRecord> byId = new java.util.LinkedHashMap<>();
    records.forEach(record -> byId.putIfAbsent(record.getRecordId(), record));
    if (byId.isEmpty()) {
      return List.of();
    }
    List<UsageRecord> distinct = new ArrayList<>(byId.values());
    int n = distinct.size();
    Object[][] columns = new Object[15][n];
    for (int i = 0; i < n; i++) {
      UsageRecord record = distinct.get(i);
      columns[0][i] = record.getRecordId();
      columns[1][i] = record.getOrg();
      columns[2][i] = record.getProject();
      columns[3][i] = record.getDomain();
      columns[4][i] = record.getExecutionId();
      columns[5][i] = record.getNodeId().isEmpty() ? null : record.getNodeId();
      columns[6][i] = record.getAttemptId();
      columns[7][i] = record.getCluster();
      columns[8][i] = record.getGpuType();
      columns[9][i] = record.getGpus();
      columns[10][i] = record.getMilliCpu();
      columns[11][i] = record.getMemoryMib();
      columns[12][i] = Timestamp.from(instant(record.getStartedAt()));
      columns[13][i] = Timestamp.from(instant(record.getEndedAt()));
      columns[14][i] = record.getFinal();
    }
    String[] types = {"text", "text", "text", "text", "text", "text", "text", "text", "text", "int4", "int8", "int8", "timestamptz",
        "timestamptz", "bool"};
    Set<String> inserted = new HashSet<>(template.execute((java.sql.Connection connection) -> {
      try (var statement = connection.prepareStatement("""
          insert into usage_records (record_id, org_id, project, domain, execution_id, node_id, attempt_id, cluster, gpu_type, gpus,
                                     milli_cpu, memory_mib, started_at, ended_at, final)
          select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                               ?::int4[], ?::int8[], ?::int8[], ?::timestamptz[], ?::timestamptz[], ?::bool[])
          on conflict (record_id) do nothing
          returning record_id
          """)) {
        for (int c = 0; c < columns.length; c++) {
          statement.setArray(c + 1, connection.createArrayOf(types[c], columns[c]));
        }
        List<String> ids = new ArrayList<>();
        try (var rs = statement.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
          }
        }
        return ids;
      }
    }));
    return distinct.stream().filter(record -> inserted.contains(record.getRecordId())).toList();
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

  private record HourKey(String org, Instant hour, String project, String cluster, String gpuType, YearMonth billedIn) {}

  /**
   * Adds the records' pieces to their hours. No order is needed against deadlocks: an org's records
   * come from one partition, so two transactions never write the same org's rows.
   */
  private void addToHours(List<UsageRecord> records, Set<YearMonth> closed) {
    Map<HourKey, Usage> hours = new java.util.HashMap<>();
    for (UsageRecord record : records) {
      for (HourSplit.Piece piece : HourSplit.of(instant(record.getStartedAt()), instant(record.getEndedAt()))) {
        HourKey key = new HourKey(record.getOrg(), piece.hour(), record.getProject(), record.getCluster(), record.getGpuType(),
            Periods.billedIn(piece.hour(), closed));
        hours.merge(key, Usage.of(record.getGpus(), record.getMilliCpu(), record.getMemoryMib(), piece.millis()), Usage::plus);
      }
    }
    int n = hours.size();
    Object[][] columns = new Object[9][n];
    int i = 0;
    for (Map.Entry<HourKey, Usage> row : hours.entrySet()) {
      HourKey key = row.getKey();
      columns[0][i] = key.org();
      columns[1][i] = Timestamp.from(key.hour());
      columns[2][i] = key.project();
      columns[3][i] = key.cluster();
      columns[4][i] = key.gpuType();
      columns[5][i] = Date.valueOf(key.billedIn().atDay(1));
      columns[6][i] = row.getValue().gpuMs();
      columns[7][i] = row.getValue().millicoreMs();
      columns[8][i] = row.getValue().mibMs();
      i++;
    }
    String[] types = {"text", "timestamptz", "text", "text", "text", "date", "int8", "int8", "int8"};
    template.execute((java.sql.Connection connection) -> {
      try (var statement = connection.prepareStatement("""
          insert into usage_hourly (org_id, hour, project, cluster, gpu_type, billed_period, gpu_ms, millicore_ms, mib_ms)
          select * from unnest(?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::date[], ?::int8[], ?::int8[], ?::int8[])
          on conflict (org_id, hour, project, cluster, gpu_type, billed_period) do update set
            gpu_ms = usage_hourly.gpu_ms + excluded.gpu_ms,
            millicore_ms = usage_hourly.millicore_ms + excluded.millicore_ms,
            mib_ms = usage_hourly.mib_ms + excluded.mib_ms
          """)) {
        for (int c = 0; c < columns.length; c++) {
          statement.setArray(c + 1, connection.createArrayOf(types[c], columns[c]));
        }
        return statement.executeUpdate();
      }
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

  public static Instant instant(com.google.protobuf.Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
