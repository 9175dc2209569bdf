package dev.meridian.router.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.router.v1.RouterPeersGrpc;
import dev.meridian.router.agent.RouterPeers.Peer;
import dev.meridian.router.events.EventKeys;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.workflow.Capacity;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.workflow.ResourceRequest;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Placement without a global lock: concurrent placements never take more than a cluster has, also
 * when the cluster's stream is held by another router (peers talk real gRPC, in process).
 */
class FleetTest {

  private static final AgentProperties PROPERTIES = new AgentProperties(null, null, null, null, null, null, null);
  private static final Capacity EIGHT_GPUS = new Capacity(64_000, 65_536, Map.of("nvidia-h100", 8));

  /** This router alone: no other router holds any stream. */
  private static RouterPeers alone() {
    return new RouterPeers(null, null, "r1", "unused") {
      @Override
      Map<Peer, List<String>> ownersOf(Collection<String> clusterIds) {
        return Map.of();
      }

      @Override
      List<Peer> others() {
        return List.of();
      }
    };
  }

  /** A router whose peer {@code r2}, reached over {@code channel}, holds every stream this one does not. */
  private static RouterPeers besides(ManagedChannel channel) {
    Peer r2 = new Peer("r2", "in-process");
    return new RouterPeers(null, null, "r1", "unused") {
      @Override
      Map<Peer, List<String>> ownersOf(Collection<String> clusterIds) {
        return clusterIds.isEmpty() ? Map.of() : Map.of(r2, List.copyOf(clusterIds));
      }

      @Override
      Optional<Peer> ownerOf(String clusterId) {
        return Optional.of(r2);
      }

      @Override
      List<Peer> others() {
        return List.of(r2);
      }

      @Override
      RouterPeersGrpc.RouterPeersBlockingStub stub(Peer peer) {
        return RouterPeersGrpc.newBlockingStub(channel);
      }
    };
  }

  /** An agent that acknowledges every assignment at once and remembers it. */
  private static StreamObserver<RouterMessage> acknowledging(AtomicReference<ConnectedAgents.Connection> connection, List<String> assigned) {
    return new StreamObserver<>() {
      @Override
      public void onNext(RouterMessage message) {
        if (message.hasAssignment()) {
          assigned.add(message.getAssignment().getAttemptId());
          connection.get().acked(message.getAssignment().getAttemptId());
        }
      }

      @Override public void onError(Throwable t) {}
      @Override public void onCompleted() {}
    };
  }

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
    ConnectedAgents streams = new ConnectedAgents(PROPERTIES);
    streams.connected(new ConnectedAgents.Connection("c1", "acme", "gpu", EIGHT_GPUS, Map.of(), nowhere()));
    Fleet fleet = new Fleet(streams, registryWith("c1"), PROPERTIES, alone(), new SimpleMeterRegistry());

    List<PlacementPolicy.Decision> made = placeConcurrently(fleet, 64);

    assertThat(made.stream().filter(PlacementPolicy.Placed.class::isInstance)).hasSize(8);
    assertThat(made.stream().filter(PlacementPolicy.Wait.class::isInstance)).hasSize(56);
    assertThat(fleet.views("acme")).singleElement().satisfies(view -> assertThat(view.free().gpus()).containsEntry("nvidia-h100", 0));
  }

  @Test
  void placementsOnAClusterAnotherRouterHoldsGoThroughThatRouterAndTakeExactlyWhatItHas() throws Exception {
    String server = InProcessServerBuilder.generateName();
    ConnectedAgents r2 = new ConnectedAgents(PROPERTIES);
    Fleet r2Fleet = new Fleet(r2, registryWith("c1"), PROPERTIES, alone(), new SimpleMeterRegistry());
    List<String> assigned = new CopyOnWriteArrayList<>();
    AtomicReference<ConnectedAgents.Connection> stream = new AtomicReference<>();
    stream.set(new ConnectedAgents.Connection("c1", "acme", "gpu", EIGHT_GPUS, Map.of("zone", "a"), acknowledging(stream, assigned)));
    r2.connected(stream.get());
    Server peer = InProcessServerBuilder.forName(server).directExecutor().addService(new RouterPeerService(r2, new EventKeys(null) {
      @Override
      public void forget(String clusterId) {}
    })).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(server).directExecutor().build();
    try {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      Fleet r1 = new Fleet(new ConnectedAgents(PROPERTIES), registryWith("c1"), PROPERTIES, besides(channel), meters);

      assertThat(r1.views("acme")).singleElement().satisfies(view -> {
        assertThat(view.connected()).isTrue();
        assertThat(view.labels()).containsEntry("zone", "a");
        assertThat(view.free().gpus()).containsEntry("nvidia-h100", 8);
      });
      List<PlacementPolicy.Decision> made = placeConcurrently(r1, 64);
      assertThat(made.stream().filter(PlacementPolicy.Placed.class::isInstance)).hasSize(8);
      assertThat(r2Fleet.views("acme")).singleElement().satisfies(view -> assertThat(view.free().gpus()).containsEntry("nvidia-h100", 0));

      r1.assign("c1", Assignment.newBuilder().setAttemptId("x/n0/1").build());
      assertThat(assigned).containsExactly("x/n0/1");
      assertThat(meters.counter("meridian.router.assignments.forwarded").count()).isEqualTo(1);

      r1.disconnect("c1");
      assertThat(r2.isConnected("c1")).isFalse();
    } finally {
      channel.shutdownNow();
      peer.shutdownNow();
    }
  }

  private static List<PlacementPolicy.Decision> placeConcurrently(Fleet fleet, int count) throws Exception {

    List<Future<PlacementPolicy.Decision>> decisions = new ArrayList<>();
    CountDownLatch gate = new CountDownLatch(1);
    try (var placements = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < count; i++) {
        String attempt = "x/n" + i + "/1";
        decisions.add(placements.submit(() -> {
          gate.await();
          return fleet.place("acme", attempt, ONE_GPU, Map.of(), Set.of());
        }));
      }
      gate.countDown();
    }

    List<PlacementPolicy.Decision> made = new ArrayList<>();
    for (var decision : decisions) {
      made.add(decision.get());
    }
    return made;
  }
}
