package dev.meridian.router.agent;

import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.router.v1.PeerAssignRequest;
import dev.meridian.proto.router.v1.PeerAttemptRequest;
import dev.meridian.proto.router.v1.PeerClusterView;
import dev.meridian.proto.router.v1.PeerDisconnectRequest;
import dev.meridian.proto.router.v1.PeerReserveRequest;
import dev.meridian.proto.router.v1.PeerViewsRequest;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.router.placement.ClusterView;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.workflow.ResourceRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every cluster that may run an org's work, whichever router holds its agent's stream (ADR 9):
 * placement over all of them, and reservations, assignments, cancellations and disconnections sent
 * to the stream — on this router through {@link ConnectedAgents}, on another through
 * {@link RouterPeers}, where the owner decides on its own stream exactly as for a local one.
 */
@Component
public class Fleet {

  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  /** How long the clusters of an org are read once for all placements; changes made through this router apply at once. */
  static final Duration REGISTRY_TTL = Duration.ofSeconds(1);
  /** How often a placement looks again when concurrent placements took the capacity it chose. */
  static final int PLACEMENT_TRIES = 5;

  private final ConnectedAgents local;
  private final ClusterStore clusters;
  private final AgentProperties properties;
  private final RouterPeers peers;
  /** Assignments handed to an agent whose stream another router holds: how much of the dispatch crosses routers. */
  private final Counter forwarded;
  private final Map<String, Registry> registries = new ConcurrentHashMap<>();

  Fleet(ConnectedAgents local, ClusterStore clusters, AgentProperties properties, RouterPeers peers, MeterRegistry meters) {
    this.local = local;
    this.clusters = clusters;
    this.properties = properties;
    this.peers = peers;
    this.forwarded = Counter.builder("meridian.router.assignments.forwarded")
        .description("assignments this router decided and handed to the router holding the cluster's stream").register(meters);
  }

  /** The org's clusters as last read, and which other routers hold the streams of some of them. */
  private record Registry(List<ClusterStore.ClusterRow> rows, Map<String, RouterPeers.Peer> owners, Instant readAt) {}

  /** Forget what was read about {@code org}'s clusters: one was registered, cordoned or deleted. */
  public void invalidate(String org) {
    registries.remove(org);
    registries.remove(ClusterStore.ANY_ORG);
  }

  private Registry registry(String org) {
    Registry cached = registries.get(org);
    if (cached == null || cached.readAt().isBefore(Instant.now().minus(REGISTRY_TTL))) {
      List<ClusterStore.ClusterRow> rows = clusters.servingOrg(org);
      Map<String, RouterPeers.Peer> owners = new HashMap<>();
      peers.ownersOf(rows.stream().map(ClusterStore.ClusterRow::id).filter(id -> !local.isConnected(id)).toList())
          .forEach((peer, ids) -> ids.forEach(id -> owners.put(id, peer)));
      cached = new Registry(rows, owners, Instant.now());
      registries.put(org, cached);
    }
    return cached;
  }

  /** The clusters that may run work of {@code org}, as they are right now. */
  public List<ClusterView> views(String org) {
    Registry registry = registry(org);
    Map<String, PeerClusterView> remote = remoteViews(org, registry.owners());
    List<ClusterView> views = new ArrayList<>();
    Instant healthySince = Instant.now().minus(properties.unhealthyAfter());
    for (ClusterStore.ClusterRow row : registry.rows()) {
      Optional<ClusterView> here = local.view(row, healthySince);
      if (here.isPresent()) {
        views.add(here.get());
        continue;
      }
      PeerClusterView elsewhere = remote.get(row.id());
      if (elsewhere != null) {
        Map<String, String> labels = new HashMap<>(elsewhere.getReportedLabelsMap());
        labels.putAll(row.labels());
        views.add(new ClusterView(row.id(), row.name(), labels, true, elsewhere.getHealthy(), row.cordoned(), elsewhere.getDraining(),
            ResourceMessages.capacity(elsewhere.getTotal()), ResourceMessages.capacity(elsewhere.getFree())));
      } else {
        views.add(new ClusterView(row.id(), row.name(), row.labels(), false, false, row.cordoned(), false, row.capacity(), null));
      }
    }
    return views;
  }

  /** What the routers holding some of the org's streams say of them now; a router that does not answer holds nothing. */
  private Map<String, PeerClusterView> remoteViews(String org, Map<String, RouterPeers.Peer> owners) {
    if (owners.isEmpty()) {
      return Map.of();
    }
    Map<RouterPeers.Peer, List<String>> byPeer = new HashMap<>();
    owners.forEach((cluster, peer) -> byPeer.computeIfAbsent(peer, p -> new ArrayList<>()).add(cluster));
    Map<String, PeerClusterView> views = new HashMap<>();
    byPeer.forEach((peer, ids) -> {
      try {
        peers.stub(peer).views(PeerViewsRequest.newBuilder().setOrg(org).addAllClusterIds(ids).build()).getClustersList()
            .forEach(view -> views.put(view.getClusterId(), view));
      } catch (StatusRuntimeException e) {
        log.debug("router {} did not say how its clusters are ({})", peer.routerId(), e.getStatus());
      }
    });
    return views;
  }

  /** When this router last heard the cluster's agent, if it holds its stream. */
  public Optional<Instant> lastHeard(String clusterId) {
    return local.lastHeard(clusterId);
  }

  /**
   * Decides where the attempt runs and, if somewhere, reserves its resources there until the agent
   * reports it. No lock across placements: the policy chooses from a snapshot, and the reservation
   * re-checks the chosen cluster under that cluster's own lock (on the router holding its stream);
   * if a concurrent placement took the capacity in between, it looks again. Two placements can never
   * both take the last GPU.
   */
  public PlacementPolicy.Decision place(String org, String attemptId, ResourceRequest request, Map<String, String> labels,
      Set<String> preferred) {
    for (int tries = 0; tries < PLACEMENT_TRIES; tries++) {
      PlacementPolicy.Decision decision = PlacementPolicy.place(request, labels, preferred, views(org));
      if (!(decision instanceof PlacementPolicy.Placed placed)) {
        return decision;
      }
      String cluster = placed.clusterId();
      if (local.isConnected(cluster) ? local.reserve(cluster, attemptId, request) : remoteReserve(org, cluster, attemptId, request)) {
        return decision;
      }
    }
    return new PlacementPolicy.Wait("waiting for capacity (" + request.describe() + "): concurrent placements took what was free");
  }

  private boolean remoteReserve(String org, String clusterId, String attemptId, ResourceRequest request) {
    RouterPeers.Peer owner = registry(org).owners().get(clusterId);
    if (owner == null) {
      return false;
    }
    try {
      return peers.stub(owner).reserve(PeerReserveRequest.newBuilder().setClusterId(clusterId).setAttemptId(attemptId)
          .setRequest(ResourceMessages.toMessage(request)).build()).getReserved();
    } catch (StatusRuntimeException e) {
      log.debug("router {} did not reserve on cluster {} ({})", owner.routerId(), clusterId, e.getStatus());
      return false;
    }
  }

  /** Undoes a reservation whose assignment did not reach the agent. */
  public void release(String clusterId, String attemptId) {
    if (local.isConnected(clusterId)) {
      local.release(clusterId, attemptId);
      return;
    }
    peers.ownerOf(clusterId).ifPresent(owner -> {
      try {
        peers.stub(owner).release(PeerAttemptRequest.newBuilder().setClusterId(clusterId).setAttemptId(attemptId).build());
      } catch (StatusRuntimeException e) {
        log.debug("router {} did not release attempt {} ({}); its next heartbeat settles it", owner.routerId(), attemptId, e.getStatus());
      }
    });
  }

  /** Sends the assignment and waits for the agent's acknowledgement, through the router that holds the cluster's stream. */
  public void assign(String clusterId, Assignment assignment) {
    if (local.isConnected(clusterId)) {
      local.assign(clusterId, assignment);
      return;
    }
    RouterPeers.Peer owner = peers.ownerOf(clusterId)
        .orElseThrow(() -> new IllegalStateException("cluster " + clusterId + " is not connected to any router"));
    try {
      peers.stub(owner).withDeadlineAfter(properties.ackTimeout().plus(RouterPeers.CALL_DEADLINE).toMillis(), TimeUnit.MILLISECONDS)
          .assign(PeerAssignRequest.newBuilder().setClusterId(clusterId).setAssignment(assignment).build());
      forwarded.increment();
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("router " + owner.routerId() + " did not hand attempt " + assignment.getAttemptId()
          + " to cluster " + clusterId + ": " + e.getStatus(), e);
    }
  }

  /** Best effort: false if the cluster is not connected to any router (its attempts end as lost instead). */
  public boolean cancel(String clusterId, String attemptId, String reason) {
    if (local.isConnected(clusterId)) {
      return local.cancel(clusterId, attemptId, reason);
    }
    Optional<RouterPeers.Peer> owner = peers.ownerOf(clusterId);
    if (owner.isEmpty()) {
      return false;
    }
    try {
      peers.stub(owner.get()).cancel(PeerAttemptRequest.newBuilder().setClusterId(clusterId).setAttemptId(attemptId).setReason(reason).build());
      return true;
    } catch (StatusRuntimeException e) {
      log.debug("router {} did not pass on the cancellation of attempt {} ({})", owner.get().routerId(), attemptId, e.getStatus());
      return false;
    }
  }

  /** Ends the stream of a deleted cluster, wherever it is held; every router forgets its keys. */
  public void disconnect(String clusterId) {
    local.disconnect(clusterId, Status.PERMISSION_DENIED.withDescription("the cluster was deleted"));
    for (RouterPeers.Peer peer : peers.others()) {
      try {
        peers.stub(peer).disconnect(PeerDisconnectRequest.newBuilder().setClusterId(clusterId).setReason("the cluster was deleted").build());
      } catch (StatusRuntimeException e) {
        log.warn("router {} did not hear that cluster {} was deleted ({}); its stream there ends when it next says hello", peer.routerId(),
            clusterId, e.getStatus());
      }
    }
  }

  /**
   * The agent of {@code clusterId} connected here: if another router still holds a stream of it (a
   * second agent with the same token, or one that moved before its old stream timed out), that one
   * ends, as a second connection to this router would.
   */
  void takeOver(String clusterId, Optional<RouterPeers.Peer> previousOwner) {
    previousOwner.ifPresent(peer -> {
      try {
        peers.stub(peer).disconnect(PeerDisconnectRequest.newBuilder().setClusterId(clusterId)
            .setReason("another agent connected for this cluster").build());
      } catch (StatusRuntimeException e) {
        log.info("router {}, which held cluster {} before, did not answer ({})", peer.routerId(), clusterId, e.getStatus());
      }
    });
  }
}
