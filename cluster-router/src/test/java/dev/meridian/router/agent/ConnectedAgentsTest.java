package dev.meridian.router.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.router.placement.Capacity;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.workflow.ResourceRequest;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Placement without a global lock: concurrent placements never take more than a cluster has. */
class ConnectedAgentsTest {

  private static final ResourceRequest ONE_GPU = new ResourceRequest(100, 128, 1, "nvidia-h100");

  /** The org's one registered cluster, as the registry would list it. */
  private static ClusterStore registryWith(String clusterId) {
    var row = new ClusterStore.ClusterRow(clusterId, "acme", "gpu", "test", Map.of(), false, Instant.EPOCH, "1", null, null);
    return new ClusterStore(null) {
      @Override
      public List<ClusterStore.ClusterRow> servingOrg(String org) {
        return List.of(row);
      }
    };
  }

  private static StreamObserver<RouterMessage> nowhere() {
    return new StreamObserver<>() {
      @Override public void onNext(RouterMessage value) {}
      @Override public void onError(Throwable t) {}
      @Override public void onCompleted() {}
    };
  }

  @Test
  void sixtyFourConcurrentPlacementsOnEightGpusPlaceExactlyEight() throws Exception {
    ConnectedAgents agents = new ConnectedAgents(registryWith("c1"), new AgentProperties(null, null, null, null, null, null, null));
    agents.connected(new ConnectedAgents.Connection("c1", "acme", "gpu", new Capacity(64_000, 65_536, Map.of("nvidia-h100", 8)),
        Map.of(), nowhere()));

    List<Future<PlacementPolicy.Decision>> decisions = new ArrayList<>();
    CountDownLatch gate = new CountDownLatch(1);
    try (var placements = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < 64; i++) {
        String attempt = "x/n" + i + "/1";
        decisions.add(placements.submit(() -> {
          gate.await();
          return agents.place("acme", attempt, ONE_GPU, Map.of(), Set.of());
        }));
      }
      gate.countDown();
    }

    List<PlacementPolicy.Decision> made = new ArrayList<>();
    for (var decision : decisions) {
      made.add(decision.get());
    }
    assertThat(made.stream().filter(PlacementPolicy.Placed.class::isInstance)).hasSize(8);
    assertThat(made.stream().filter(PlacementPolicy.Wait.class::isInstance)).hasSize(56);
    assertThat(agents.allocated("c1")).get().satisfies(allocated -> assertThat(allocated.gpus()).containsEntry("nvidia-h100", 8));
  }
}
