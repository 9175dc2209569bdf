package dev.meridian.router.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.admission.AdmissionPolicy.Admit;
import dev.meridian.router.admission.AdmissionPolicy.ProjectQuota;
import dev.meridian.router.admission.AdmissionPolicy.Request;
import dev.meridian.router.admission.AdmissionPolicy.Snapshot;
import dev.meridian.router.admission.AdmissionPolicy.Verdict;
import dev.meridian.router.admission.AdmissionPolicy.Wait;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionPolicyTest {

  private static final String H100 = "gpu:nvidia-h100";
  private static final String A100 = "gpu:nvidia-a100";

  private static Request gpuTask(String id, String project, int gpus, int priority, long readyAt) {
    return new Request(id, project, priority, readyAt, Map.of(H100, (long) gpus, Resources.CPU, 100L));
  }

  private static List<String> admitted(List<Verdict> verdicts) {
    return verdicts.stream().filter(Admit.class::isInstance).map(Verdict::requestId).toList();
  }

  private static String reasonOf(List<Verdict> verdicts, String id) {
    return verdicts.stream().filter(v -> v.requestId().equals(id)).map(v -> ((Wait) v).reason()).findFirst().orElseThrow();
  }

  private static Snapshot orgLimit(long h100, Map<String, Map<String, Long>> usage) {
    return new Snapshot(Map.of(H100, h100), Map.of(), usage);
  }

  @Test
  void neverReservesMoreThanTheOrgsLimitAndSaysWhyTheRestWait() {
    List<Request> queued = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      queued.add(gpuTask("t" + i, "p", 1, 0, i));
    }

    List<Verdict> verdicts = AdmissionPolicy.decide(orgLimit(8, Map.of("p", Map.of(H100, 0L))), queued);

    assertThat(admitted(verdicts)).containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7");
    assertThat(reasonOf(verdicts, "t8")).isEqualTo("waiting for quota: the org has 8 of 8 nvidia-h100 GPUs reserved");
  }

  @Test
  void countsWhatIsAlreadyReserved() {
    List<Verdict> verdicts = AdmissionPolicy.decide(orgLimit(8, Map.of("p", Map.of(H100, 7L))),
        List.of(gpuTask("a", "p", 1, 0, 1), gpuTask("b", "p", 1, 0, 2)));

    assertThat(admitted(verdicts)).containsExactly("a");
  }

  @Test
  void higherPriorityGoesFirstThenTheOldest() {
    List<Verdict> verdicts = AdmissionPolicy.decide(orgLimit(2, Map.of()),
        List.of(gpuTask("old", "p", 1, 0, 1), gpuTask("urgent", "p", 1, 10, 5), gpuTask("older", "p", 1, 0, 0)));

    assertThat(admitted(verdicts)).containsExactly("urgent", "older");
  }

  @Test
  void aLargeTaskThatDoesNotFitHoldsBackLaterTasksForTheSameResourceButNotOthers() {
    List<Verdict> verdicts = AdmissionPolicy.decide(orgLimit(8, Map.of("p", Map.of(H100, 6L))), List.of(
        gpuTask("big", "p", 4, 0, 1),
        gpuTask("small", "p", 1, 0, 2),
        new Request("cpu-only", "p", 0, 3, Map.of(Resources.CPU, 500L)),
        new Request("other-gpu", "p", 0, 4, Map.of(A100, 1L))));

    assertThat(admitted(verdicts)).containsExactly("cpu-only", "other-gpu");
    assertThat(reasonOf(verdicts, "small")).isEqualTo(reasonOf(verdicts, "big"));
  }

  @Test
  void betweenProjectsTheOneWithTheSmallerDominantShareGoesFirst() {
    Snapshot snapshot = new Snapshot(Map.of(H100, 8L, Resources.CPU, 10_000L), Map.of(),
        Map.of("heavy", Map.of(H100, 4L, Resources.CPU, 1_000L), "light", Map.of(H100, 0L, Resources.CPU, 3_000L)));

    List<Verdict> verdicts = AdmissionPolicy.decide(snapshot, List.of(
        gpuTask("heavy-1", "heavy", 1, 0, 0), gpuTask("heavy-2", "heavy", 1, 0, 1),
        gpuTask("light-1", "light", 1, 0, 5), gpuTask("light-2", "light", 1, 0, 6), gpuTask("light-3", "light", 1, 0, 7)));

    // light's dominant share is CPU, 3/10; heavy's is GPUs, 4/8: light goes first until its share passes heavy's.
    assertThat(admitted(verdicts)).startsWith("light-1", "light-2").hasSize(4);
  }

  @Test
  void aProjectThatMayNotBorrowStopsAtItsGuarantee() {
    Snapshot snapshot = new Snapshot(Map.of(H100, 8L), Map.of("p", new ProjectQuota(Map.of(H100, 2L), false)), Map.of());

    List<Verdict> verdicts = AdmissionPolicy.decide(snapshot,
        List.of(gpuTask("a", "p", 1, 0, 0), gpuTask("b", "p", 1, 0, 1), gpuTask("c", "p", 1, 0, 2)));

    assertThat(admitted(verdicts)).containsExactly("a", "b");
    assertThat(reasonOf(verdicts, "c")).isEqualTo("waiting for quota: project 'p' has 2 of 2 nvidia-h100 GPUs reserved and may not borrow");
  }

  @Test
  void aBorrowingProjectUsesIdleCapacityOfTheOrg() {
    Snapshot snapshot = new Snapshot(Map.of(H100, 8L),
        Map.of("busy", new ProjectQuota(Map.of(H100, 4L), true), "idle", new ProjectQuota(Map.of(H100, 4L), true)), Map.of());
    List<Request> queued = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      queued.add(gpuTask("busy-" + i, "busy", 1, 0, i));
    }

    assertThat(admitted(AdmissionPolicy.decide(snapshot, queued))).hasSize(8);
  }

  @Test
  void whenTheIdleProjectWakesItsGuaranteeComesBeforeTheBorrowersOlderTasks() {
    Snapshot snapshot = new Snapshot(Map.of(H100, 8L),
        Map.of("busy", new ProjectQuota(Map.of(H100, 4L), true), "idle", new ProjectQuota(Map.of(H100, 4L), true)),
        Map.of("busy", Map.of(H100, 7L)));

    List<Verdict> verdicts = AdmissionPolicy.decide(snapshot,
        List.of(gpuTask("busy-old", "busy", 1, 0, 0), gpuTask("idle-new", "idle", 1, 0, 100), gpuTask("idle-newer", "idle", 1, 0, 101)));

    assertThat(admitted(verdicts)).containsExactly("idle-new");
    // The borrower may not take what the woken project is waiting for.
    assertThat(reasonOf(verdicts, "busy-old")).startsWith("waiting for quota: the org has 8 of 8");
  }

  @Test
  void withoutAQuotaEverythingIsAdmitted() {
    List<Request> queued = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      queued.add(gpuTask("t" + i, "p" + (i % 3), 8, 0, i));
    }

    assertThat(admitted(AdmissionPolicy.decide(new Snapshot(Map.of(), Map.of(), Map.of()), queued))).hasSize(100);
  }

  @Test
  void concurrentExecutionsAreAResourceLikeAnyOther() {
    Snapshot snapshot = new Snapshot(Map.of(Resources.EXECUTIONS, 2L), Map.of(), Map.of("p", Map.of(Resources.EXECUTIONS, 1L)));

    List<Verdict> verdicts = AdmissionPolicy.decide(snapshot, List.of(
        new Request("x1", "p", 0, 0, Resources.execution()), new Request("x2", "p", 0, 1, Resources.execution())));

    assertThat(admitted(verdicts)).containsExactly("x1");
    assertThat(reasonOf(verdicts, "x2")).isEqualTo("waiting for quota: the org has 2 of 2 concurrent executions reserved");
  }
}
