package dev.meridian.router.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.proto.usage.v1.UsageRecord;
import dev.meridian.router.RouterDatabase;
import dev.meridian.router.admission.AdmissionLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Metering in the router's real schema: what releasing and holding reservations write, and how it is published. */
class UsageOutboxTest {

  private static final JdbcClient JDBC = JdbcClient.create(RouterDatabase.shared());
  private final AdmissionLedger ledger = new AdmissionLedger(JDBC);
  private final UsageOutbox outbox = new UsageOutbox(JDBC);
  private final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);

  /** A task attempt admitted {@code ago}, holding {@code gpus} H100s, placed on cluster c1. */
  private void admitted(String attemptId, Duration ago, int gpus) {
    JDBC.sql("""
        insert into admissions (org_id, request_id, kind, project, execution_id, node_id, priority, ready_at, gpu_type, gpus,
                                milli_cpu, memory_mib, state, admitted_at)
        values (:org, :id, 'TASK', 'proj', 'e1', 'train', 0, now(), 'nvidia-h100', :gpus, 2000, 4096, 'ADMITTED',
                now() - make_interval(secs => :ago))
        """).param("org", org).param("id", attemptId).param("gpus", gpus).param("ago", ago.toSeconds()).update();
    JDBC.sql("""
        insert into attempts (org_id, attempt_id, execution_id, node_id, attempt, cluster, phase, phase_rank)
        values (:org, :id, 'e1', 'train', 1, 'c1', 'RUNNING', 4)
        """).param("org", org).param("id", attemptId).update();
  }

  private List<UsageRecord> mine() {
    return outbox.lease(Duration.ofSeconds(30), 10_000).stream().filter(record -> record.getOrg().equals(org)).toList();
  }

  @Test
  void releasingATaskReservationMetersItFromAdmissionToReleaseOnceInTheSameStatement() {
    admitted("e1/train/1", Duration.ofMinutes(10), 2);

    assertThat(ledger.release(org, "e1/train/1")).isTrue();
    assertThat(ledger.release(org, "e1/train/1")).isFalse();

    List<UsageRecord> records = mine();
    assertThat(records).hasSize(1);
    UsageRecord record = records.getFirst();
    assertThat(record.getRecordId()).startsWith(org + "/e1/train/1@");
    assertThat(List.of(record.getProject(), record.getCluster(), record.getGpuType(), record.getAttemptId()))
        .containsExactly("proj", "c1", "nvidia-h100", "e1/train/1");
    assertThat(record.getGpus()).isEqualTo(2);
    assertThat(record.getFinal()).isTrue();
    long seconds = record.getEndedAt().getSeconds() - record.getStartedAt().getSeconds();
    assertThat(seconds).isBetween(599L, 601L);
    Instant reservedUntil = JDBC.sql("select reserved_until from attempts where org_id = :org and attempt_id = 'e1/train/1'")
        .param("org", org).query(java.sql.Timestamp.class).single().toInstant();
    assertThat(reservedUntil.getEpochSecond()).isEqualTo(record.getEndedAt().getSeconds());
  }

  @Test
  void aReservationHeldLongerThanTheIntervalIsCutAndTheRestIsMeteredAtRelease() {
    admitted("e1/train/1", Duration.ofHours(3), 1);

    outbox.cutHeldLongerThan(Duration.ofHours(1), 1_000);
    outbox.cutHeldLongerThan(Duration.ofHours(1), 1_000);
    ledger.release(org, "e1/train/1");

    List<UsageRecord> records = mine().stream()
        .sorted(java.util.Comparator.comparing((UsageRecord r) -> r.getStartedAt().getSeconds()).thenComparing(r -> r.getStartedAt().getNanos()))
        .toList();
    assertThat(records).extracting(UsageRecord::getFinal).containsExactly(false, true);
    assertThat(records.get(0).getEndedAt()).isEqualTo(records.get(1).getStartedAt());
    assertThat(records.get(1).getEndedAt().getSeconds() - records.get(0).getStartedAt().getSeconds()).isBetween(10_799L, 10_801L);
  }

  @Test
  void recordsArePublishedOnceAcknowledgedAndTakenAgainWhenTheLeaseOfACrashedPublisherRunsOut() {
    admitted("e1/train/1", Duration.ofMinutes(1), 1);
    ledger.release(org, "e1/train/1");

    List<UsageRecord> taken = outbox.lease(Duration.ofMillis(1), 10_000).stream().filter(r -> r.getOrg().equals(org)).toList();
    // The publisher "crashed" before marking them published: once the lease ran out, they are taken again, same ids.
    await().atMost(Duration.ofSeconds(5)).until(() -> !mine().isEmpty());
    List<UsageRecord> again = JDBC.sql("select record_id from usage_records where org_id = :org").param("org", org)
        .query(String.class).list().stream().map(id -> UsageRecord.newBuilder().setRecordId(id).build()).toList();
    outbox.published(again.stream().map(UsageRecord::getRecordId).toList());

    assertThat(taken).hasSize(1);
    assertThat(again).extracting(UsageRecord::getRecordId).containsExactly(taken.getFirst().getRecordId());
    assertThat(outbox.lease(Duration.ofSeconds(30), 10_000)).noneMatch(record -> record.getOrg().equals(org));
  }

  @Test
  void theTotalsForTheReconciliationCountGpuMillisecondsOfRecordsThatEndedInTheWindow() {
    admitted("e1/train/1", Duration.ofMinutes(2), 3);
    ledger.release(org, "e1/train/1");
    UsageRecord record = mine().getFirst();
    long ms = Instant.ofEpochSecond(record.getEndedAt().getSeconds(), record.getEndedAt().getNanos()).toEpochMilli()
        - Instant.ofEpochSecond(record.getStartedAt().getSeconds(), record.getStartedAt().getNanos()).toEpochMilli();

    var totals = outbox.totals(Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)));

    assertThat(totals).filteredOn(total -> total.org().equals(org))
        .containsExactly(new UsageOutbox.MeteredTotal(org, "nvidia-h100", 3 * ms, 1));
  }
}
