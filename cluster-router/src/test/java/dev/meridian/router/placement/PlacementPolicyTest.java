package dev.meridian.router.placement;

import dev.meridian.workflow.Capacity;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.workflow.ResourceRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementPolicyTest {

  private static final Capacity H100_X8 = new Capacity(64_000, 512_000, Map.of("nvidia-h100", 8));
  private static final Capacity A10_X4 = new Capacity(32_000, 256_000, Map.of("nvidia-a10", 4));
  private static final Capacity CPU_ONLY = new Capacity(16_000, 64_000, Map.of());

  private static ClusterView ready(String id, Capacity total, Capacity free) {
    return new ClusterView(id, id, Map.of(), true, true, false, false, total, free);
  }

  private static ResourceRequest gpus(int count, String type) {
    return new ResourceRequest(1000, 1024, count, type);
  }

  @Test
  void gpuTaskGoesOnlyWhereItsGpuTypeExists() {
    var clusters = List.of(ready("a10", A10_X4, A10_X4), ready("cpu", CPU_ONLY, CPU_ONLY), ready("h100", H100_X8, H100_X8));

    assertThat(PlacementPolicy.place(gpus(2, "nvidia-h100"), Map.of(), Set.of(), clusters))
        .isEqualTo(new PlacementPolicy.Placed("h100"));
  }

  @Test
  void neverPlacesMoreThanTheClusterReportedFree() {
    var busy = ready("h100", H100_X8, new Capacity(60_000, 500_000, Map.of("nvidia-h100", 1)));

    var decision = PlacementPolicy.place(gpus(2, "nvidia-h100"), Map.of(), Set.of(), List.of(busy));

    assertThat(decision).isInstanceOfSatisfying(PlacementPolicy.Wait.class,
        wait -> assertThat(wait.reason()).contains("h100 has only", "nvidia-h100=1"));
  }

  @Test
  void aTaskNoClusterCouldEverRunIsImpossible() {
    var clusters = List.of(ready("a10", A10_X4, A10_X4));

    assertThat(PlacementPolicy.place(gpus(1, "nvidia-h100"), Map.of(), Set.of(), clusters))
        .isInstanceOfSatisfying(PlacementPolicy.Impossible.class, i -> assertThat(i.reason()).contains("big enough", "nvidia-h100"));
    assertThat(PlacementPolicy.place(gpus(0, null), Map.of("zone", "eu"), Set.of(), clusters))
        .isInstanceOfSatisfying(PlacementPolicy.Impossible.class, i -> assertThat(i.reason()).contains("labels"));
    assertThat(PlacementPolicy.place(gpus(0, null), Map.of(), Set.of(), List.of()))
        .isInstanceOfSatisfying(PlacementPolicy.Impossible.class, i -> assertThat(i.reason()).contains("no clusters"));
  }

  @Test
  void aClusterWhoseAgentNeverConnectedMeansWaitNotImpossible() {
    var pending = new ClusterView("new", "new", Map.of(), false, false, false, false, null, null);

    assertThat(PlacementPolicy.place(gpus(1, "nvidia-h100"), Map.of(), Set.of(), List.of(pending)))
        .isInstanceOfSatisfying(PlacementPolicy.Wait.class, w -> assertThat(w.reason()).contains("new is not connected"));
  }

  @Test
  void cordonedDrainingDisconnectedAndSilentClustersGetNoNewWork() {
    var cordoned = new ClusterView("c1", "c1", Map.of(), true, true, true, false, CPU_ONLY, CPU_ONLY);
    var gone = new ClusterView("c2", "c2", Map.of(), false, false, false, false, CPU_ONLY, CPU_ONLY);
    var silent = new ClusterView("c3", "c3", Map.of(), true, false, false, false, CPU_ONLY, CPU_ONLY);
    var leaving = new ClusterView("c4", "c4", Map.of(), true, true, false, true, CPU_ONLY, CPU_ONLY);

    assertThat(PlacementPolicy.place(ResourceRequest.DEFAULT, Map.of(), Set.of(), List.of(cordoned, gone, silent, leaving)))
        .isInstanceOfSatisfying(PlacementPolicy.Wait.class,
            w -> assertThat(w.reason()).contains("c1 is cordoned", "c2 is not connected", "c3 missed its heartbeats", "c4 is draining"));
  }

  @Test
  void prefersWhereTheExecutionRanThenSpreadsToTheRoomiest() {
    var full = ready("a", CPU_ONLY, new Capacity(2_000, 8_000, Map.of()));
    var roomy = ready("b", CPU_ONLY, new Capacity(15_000, 60_000, Map.of()));

    assertThat(PlacementPolicy.place(ResourceRequest.DEFAULT, Map.of(), Set.of(), List.of(full, roomy)))
        .isEqualTo(new PlacementPolicy.Placed("b"));
    assertThat(PlacementPolicy.place(ResourceRequest.DEFAULT, Map.of(), Set.of("a"), List.of(full, roomy)))
        .isEqualTo(new PlacementPolicy.Placed("a"));
  }

  @Test
  void requiredLabelsNarrowTheChoice() {
    var eu = new ClusterView("eu", "eu", Map.of("region", "eu"), true, true, false, false, CPU_ONLY, CPU_ONLY);
    var us = new ClusterView("us", "us", Map.of("region", "us"), true, true, false, false, CPU_ONLY, new Capacity(16_000, 64_000, Map.of()));

    assertThat(PlacementPolicy.place(ResourceRequest.DEFAULT, Map.of("region", "eu"), Set.of(), List.of(us, eu)))
        .isEqualTo(new PlacementPolicy.Placed("eu"));
  }

  @Test
  void cpuOnlyWorkStaysOffGpuClustersWhileACpuClusterHasRoom() {
    var gpu = ready("gpu", H100_X8, H100_X8);
    var cpu = ready("cpu", CPU_ONLY, new Capacity(1_000, 4_000, Map.of()));

    assertThat(PlacementPolicy.place(ResourceRequest.DEFAULT, Map.of(), Set.of(), List.of(gpu, cpu)))
        .isEqualTo(new PlacementPolicy.Placed("cpu"));
    assertThat(PlacementPolicy.place(new ResourceRequest(2_000, 1024, 0, null), Map.of(), Set.of(), List.of(gpu, cpu)))
        .isEqualTo(new PlacementPolicy.Placed("gpu"));
  }
}
