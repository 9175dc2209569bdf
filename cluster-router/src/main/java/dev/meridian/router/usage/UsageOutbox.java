package dev.meridian.router.usage;

import dev.meridian.proto.usage.v1.UsageRecord;
import com.google.protobuf.Timestamp;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The usage records of the router's schema: the outbox they are published from, and the
 * reservation history billing reconciles against. Records of released reservations are written
 * by {@code AdmissionLedger.release}; long reservations are cut here.
 */
@Repository
public class UsageOutbox {

  private final JdbcClient jdbc;

  public UsageOutbox(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Meters up to {@code limit} reservations held for longer than {@code interval} since their last
   * record: a record from then to now, and the reservation remembers now, in one statement. Rows
   * another router is cutting are skipped. Answers how many were cut.
   */
  int cutHeldLongerThan(Duration interval, int limit) {
    return jdbc.sql("""
        with due as (
          select org_id, request_id, project, execution_id, node_id, gpu_type, gpus, milli_cpu, memory_mib,
                 coalesce(metered_until, admitted_at) as since
            from admissions
           where state = 'ADMITTED' and kind = 'TASK' and coalesce(metered_until, admitted_at) <= now() - make_interval(secs => :interval)
           order by coalesce(metered_until, admitted_at)
           limit :limit
             for update skip locked),
        cut as (
          update admissions set metered_until = now() from due
           where admissions.org_id = due.org_id and admissions.request_id = due.request_id
          returning 1)
        insert into usage_records (record_id, org_id, project, domain, execution_id, node_id, attempt_id, cluster, gpu_type, gpus,
                                   milli_cpu, memory_mib, started_at, ended_at, final)
        select d.org_id || '/' || d.request_id || '@' || floor(extract(epoch from d.since) * 1000000)::bigint,
               d.org_id, d.project, coalesce(e.domain, ''), d.execution_id, d.node_id, d.request_id, a.cluster, d.gpu_type, d.gpus,
               d.milli_cpu, d.memory_mib, d.since, now(), false
          from due d
          left join executions e on e.org_id = d.org_id and e.execution_id = d.execution_id
          left join attempts a on a.org_id = d.org_id and a.attempt_id = d.request_id
        on conflict (record_id) do nothing
        """).param("interval", seconds(interval)).param("limit", limit).update();
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }

  /**
   * Takes up to {@code limit} unpublished records for {@code lease}: no other router publishes them
   * meanwhile, and no lock is held while they travel to Kafka.
   */
  List<UsageRecord> lease(Duration lease, int limit) {
    return jdbc.sql("""
        update usage_records set leased_until = now() + make_interval(secs => :lease)
         where record_id in (select record_id from usage_records
                              where published_at is null and (leased_until is null or leased_until < now())
                              order by started_at limit :limit for update skip locked)
        returning record_id, org_id, project, domain, execution_id, node_id, attempt_id, cluster, gpu_type, gpus, milli_cpu,
                  memory_mib, started_at, ended_at, final
        """).param("lease", seconds(lease)).param("limit", limit).query(UsageOutbox::record).list();
  }

  void published(List<String> recordIds) {
    if (!recordIds.isEmpty()) {
      jdbc.sql("update usage_records set published_at = now(), leased_until = null where record_id in (:ids)")
          .param("ids", recordIds).update();
    }
  }

  /**
   * GPU-milliseconds and record counts per org and GPU type of the records that ended in [from,
   * before). A record lasts from its start to its end, each cut to the millisecond, as billing counts.
   */
  public List<MeteredTotal> totals(Instant from, Instant before) {
    return jdbc.sql("""
        select org_id, coalesce(gpu_type, ''),
               sum(gpus * (floor(extract(epoch from ended_at) * 1000) - floor(extract(epoch from started_at) * 1000)))::bigint, count(*)
          from usage_records where ended_at >= :from and ended_at < :before
         group by 1, 2 order by 1, 2
        """).param("from", java.sql.Timestamp.from(from)).param("before", java.sql.Timestamp.from(before))
        .query((rs, i) -> new MeteredTotal(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4))).list();
  }

  public record MeteredTotal(String org, String gpuType, long gpuMs, long records) {}

  private static UsageRecord record(ResultSet rs, int row) throws SQLException {
    UsageRecord.Builder record = UsageRecord.newBuilder().setRecordId(rs.getString("record_id")).setOrg(rs.getString("org_id"))
        .setProject(rs.getString("project")).setDomain(rs.getString("domain")).setExecutionId(rs.getString("execution_id"))
        .setAttemptId(rs.getString("attempt_id")).setGpus(rs.getInt("gpus")).setMilliCpu(rs.getLong("milli_cpu"))
        .setMemoryMib(rs.getLong("memory_mib")).setStartedAt(timestamp(rs.getTimestamp("started_at").toInstant()))
        .setEndedAt(timestamp(rs.getTimestamp("ended_at").toInstant())).setFinal(rs.getBoolean("final"));
    if (rs.getString("node_id") != null) {
      record.setNodeId(rs.getString("node_id"));
    }
    if (rs.getString("cluster") != null) {
      record.setCluster(rs.getString("cluster"));
    }
    if (rs.getString("gpu_type") != null) {
      record.setGpuType(rs.getString("gpu_type"));
    }
    return record.build();
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
