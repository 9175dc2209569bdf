package dev.meridian.router.agent;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Cancel;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.router.placement.Capacity;
import dev.meridian.router.placement.ClusterView;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.workflow.ResourceRequest;
import dev.meridian.proto.router.v1.PeerAssignRequest;
import dev.meridian.proto.router.v1.PeerAttemptRequest;
import dev.meridian.proto.router.v1.PeerClusterView;
import dev.meridian.proto.router.v1.PeerDisconnectRequest;
import dev.meridian.proto.router.v1.PeerReserveRequest;
import dev.meridian.proto.router.v1.PeerViewsRequest;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The agents connected to this router, one stream per cluster, and what each cluster has free.
 * Free capacity is what the agent last reported minus what was assigned since and not yet in a
 * report, so two concurrent placements can never both take the last GPU.
 *
 * <p>With several routers, a cluster whose stream another router holds is reached through that
 * router ({@link RouterPeers}): its view, reservations, assignments and cancellations are asked of
 * the owner, which decides on its own stream exactly as for a local one. The {@code local*} methods
 * answer those calls and never forward.
 */
@Component
public class ConnectedAgents {

  private static final Logger log = LoggerFactory.getLogger(ConnectedAgents.class);

  private final Map<String, Connection> byCluster = new ConcurrentHashMap<>();
  private final ClusterStore clusters;
  private final AgentProperties properties;
  private final RouterPeers peers;
  /** Assignments handed to an agent whose stream another router holds: how much of the dispatch crosses routers. */
  private final Counter forwarded;

  ConnectedAgents(ClusterStore clusters, AgentProperties properties, RouterPeers peers, MeterRegistry meters) {
    this.clusters = clusters;
    this.properties = properties;
    this.peers = peers;
    this.forwarded = Counter.builder("meridian.router.assignments.forwarded")
        .description("assignments this router decided and handed to the router holding the cluster's stream").register(meters);
  }

  static final class Connection {
    final String clusterId;
    final String org;
    final String name;
    final Capacity total;
    /** Labels the agent reported; those set at registration win. */
    final Map<String, String> labels;
    private final StreamObserver<RouterMessage> out;
    private final Map<String, CompletableFuture<Void>> pendingAcks = new ConcurrentHashMap<>();
    /** Assigned and not yet in a heartbeat's known attempts: attempt id -> request. */
    private final Map<String, Reservation> unreported = new HashMap<>();
    private Capacity reportedFree;
    private volatile Instant lastHeard = Instant.now();
    private volatile Instant lastPersisted = Instant.now();
    private volatile boolean draining;

    Connection(String clusterId, String org, String name, Capacity total, Map<String, String> labels, StreamObserver<RouterMessage> out) {
      this.labels = Map.copyOf(labels);
      this.clusterId = clusterId;
      this.org = org;
      this.name = name;
      this.total = total;
      this.reportedFree = total;
      this.out = out;
    }

    private final Object sending = new Object();

    /** gRPC stream observers are not thread-safe; every send goes through here. */
    void send(RouterMessage message) {
      synchronized (sending) {
        out.onNext(message);
      }
    }

    void acked(String attemptId) {
      CompletableFuture<Void> pending = pendingAcks.remove(attemptId);
      if (pending != null) {
        pending.complete(null);
      }
    }

    void closed() {
      pendingAcks.values().forEach(f -> f.completeExceptionally(new IllegalStateException("agent of " + name + " disconnected")));
    }

    /** Takes {@code request} from what is free, if it still fits. */
    synchronized boolean reserve(String attemptId, ResourceRequest request) {
      if (draining || !free().fits(request)) {
        return false;
      }
      unreported.put(attemptId, new Reservation(request, Instant.now()));
      return true;
    }

    synchronized Capacity free() {
      Capacity free = reportedFree;
      for (Reservation reservation : unreported.values()) {
        free = free.minus(reservation.request());
      }
      return free;
    }

    void end(Status status) {
      synchronized (sending) {
        out.onError(status.asRuntimeException());
      }
    }
  }

  void connected(Connection connection) {
    Connection previous = byCluster.put(connection.clusterId, connection);
    if (previous != null && previous != connection) {
      previous.closed();
      previous.end(Status.ABORTED.withDescription("another agent connected for this cluster"));
    }
  }

  /** True if this was the cluster's current connection. */
  boolean disconnected(Connection connection) {
    connection.closed();
    return byCluster.remove(connection.clusterId, connection);
  }

  private record Reservation(ResourceRequest request, Instant at) {}

  /** Heartbeats reach the database at most this often; liveness in memory is exact. */
  static final java.time.Duration PERSIST_EVERY = java.time.Duration.ofSeconds(10);

  /** True when this heartbeat should also refresh the cluster's last-seen time in the database. */
  boolean persistHeartbeat(Connection connection) {
    Instant now = Instant.now();
    if (connection.lastPersisted.isBefore(now.minus(PERSIST_EVERY))) {
      connection.lastPersisted = now;
      return true;
    }
    return false;
  }

  /**
   * A heartbeat: the agent's own view of what is free now already counts the attempts it knows.
   * A reservation older than one heartbeat interval that the agent does not list has ended (or
   * never started) and is dropped, so short attempts never leak capacity.
   */
  void heartbeat(Connection connection, Capacity free, Set<String> known) {
    Instant now = Instant.now();
    Instant settled = now.minus(properties.heartbeatInterval());
    // Only this connection's lock: 500 heartbeats a second from 1,000 agents must not queue behind placement.
    synchronized (connection) {
      connection.lastHeard = now;
      connection.reportedFree = free;
      connection.unreported.entrySet().removeIf(e -> known.contains(e.getKey()) || e.getValue().at().isBefore(settled));
    }
  }

  /** The cluster's labels: what its agent reported, overridden by what was set at registration. */
  public Map<String, String> labels(ClusterStore.ClusterRow row) {
    Connection connection = byCluster.get(row.id());
    if (connection == null || connection.labels.isEmpty()) {
      return row.labels();
    }
    Map<String, String> merged = new HashMap<>(connection.labels);
    merged.putAll(row.labels());
    return merged;
  }

  /** The agent is going away: nothing new is placed on its cluster. */
  void draining(Connection connection) {
    connection.draining = true;
  }

  /** True if this router holds the cluster's stream. */
  boolean isConnected(String clusterId) {
    return byCluster.containsKey(clusterId);
  }

  public Optional<Instant> lastHeard(String clusterId) {
    return Optional.ofNullable(byCluster.get(clusterId)).map(c -> c.lastHeard);
  }

  /** Ends the stream of a deleted cluster, wherever it is held; every router forgets its keys. */
  public void disconnect(String clusterId) {
    localDisconnect(clusterId, Status.PERMISSION_DENIED.withDescription("the cluster was deleted"));
    for (RouterPeers.Peer peer : peers.others()) {
      try {
        peers.stub(peer).disconnect(PeerDisconnectRequest.newBuilder().setClusterId(clusterId).setReason("the cluster was deleted").build());
      } catch (StatusRuntimeException e) {
        log.warn("router {} did not hear that cluster {} was deleted ({}); its stream there ends when it next says hello", peer.routerId(),
            clusterId, e.getStatus());
      }
    }
  }

  /** Ends this router's stream of the cluster, if it holds one. */
  void localDisconnect(String clusterId, Status why) {
    Connection connection = byCluster.remove(clusterId);
    if (connection != null) {
      connection.closed();
      connection.end(why);
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

  /** The org's clusters as last read, and which other routers hold the streams of some of them. */
  private record Registry(List<ClusterStore.ClusterRow> rows, Map<String, RouterPeers.Peer> owners, Instant readAt) {}

  /** How long the clusters of an org are read once for all placements; changes made through this router apply at once. */
  static final java.time.Duration REGISTRY_TTL = java.time.Duration.ofSeconds(1);
  private final Map<String, Registry> registries = new ConcurrentHashMap<>();

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
      peers.ownersOf(rows.stream().map(ClusterStore.ClusterRow::id).filter(id -> !byCluster.containsKey(id)).toList())
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
      Connection connection = byCluster.get(row.id());
      PeerClusterView elsewhere = connection == null ? remote.get(row.id()) : null;
      if (elsewhere != null) {
        Map<String, String> labels = new HashMap<>(elsewhere.getReportedLabelsMap());
        labels.putAll(row.labels());
        views.add(new ClusterView(row.id(), row.name(), labels, true, elsewhere.getHealthy(), row.cordoned(), elsewhere.getDraining(),
            AgentStreamService.capacity(elsewhere.getTotal()), AgentStreamService.capacity(elsewhere.getFree())));
        continue;
      }
      Capacity total = connection != null ? connection.total : row.capacity();
      views.add(new ClusterView(row.id(), row.name(), labels(row), connection != null,
          connection != null && connection.lastHeard.isAfter(healthySince), row.cordoned(),
          connection != null && connection.draining, total,
          connection == null ? null : connection.free()));
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

  /** For a peer: this router's own streams among {@code clusterIds}. */
  List<PeerClusterView> localViews(List<String> clusterIds) {
    Instant healthySince = Instant.now().minus(properties.unhealthyAfter());
    List<PeerClusterView> views = new ArrayList<>();
    for (String id : clusterIds) {
      Connection connection = byCluster.get(id);
      if (connection != null) {
        views.add(PeerClusterView.newBuilder().setClusterId(id).setHealthy(connection.lastHeard.isAfter(healthySince))
            .setDraining(connection.draining).setTotal(toProto(connection.total)).setFree(toProto(connection.free()))
            .putAllReportedLabels(connection.labels).build());
      }
    }
    return views;
  }

  static dev.meridian.proto.agent.v1.Capacity toProto(Capacity capacity) {
    return dev.meridian.proto.agent.v1.Capacity.newBuilder().setMilliCpu(capacity.milliCpu()).setMemoryMib(capacity.memoryMiB())
        .putAllGpus(capacity.gpus()).build();
  }

  /** How often a placement looks again when concurrent placements took the capacity it chose. */
  static final int PLACEMENT_TRIES = 5;

  /**
   * Decides where the attempt runs and, if somewhere, reserves its resources there until the agent
   * reports it. No lock across placements: the policy chooses from a snapshot, and the reservation
   * re-checks the chosen cluster under that cluster's own lock; if a concurrent placement took the
   * capacity in between, it looks again. Two placements can never both take the last GPU.
   */
  public PlacementPolicy.Decision place(String org, String attemptId, ResourceRequest request,
      Map<String, String> labels, Set<String> preferred) {
    for (int tries = 0; tries < PLACEMENT_TRIES; tries++) {
      PlacementPolicy.Decision decision = PlacementPolicy.place(request, labels, preferred, views(org));
      if (!(decision instanceof PlacementPolicy.Placed placed)) {
        return decision;
      }
      Connection connection = byCluster.get(placed.clusterId());
      if (connection != null ? connection.reserve(attemptId, request) : remoteReserve(org, placed.clusterId(), attemptId, request)) {
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
          .setRequest(toProto(request)).build()).getReserved();
    } catch (StatusRuntimeException e) {
      log.debug("router {} did not reserve on cluster {} ({})", owner.routerId(), clusterId, e.getStatus());
      return false;
    }
  }

  /** For a peer: takes {@code request} from what this router's stream of the cluster has free. */
  boolean localReserve(String clusterId, String attemptId, ResourceRequest request) {
    Connection connection = byCluster.get(clusterId);
    return connection != null && connection.reserve(attemptId, request);
  }

  static dev.meridian.proto.agent.v1.Resources toProto(ResourceRequest request) {
    var resources = dev.meridian.proto.agent.v1.Resources.newBuilder().setMilliCpu(request.milliCpu()).setMemoryMib(request.memoryMiB())
        .setGpus(request.gpus());
    if (request.gpuType() != null) {
      resources.setGpuType(request.gpuType());
    }
    return resources.build();
  }

  static ResourceRequest fromProto(dev.meridian.proto.agent.v1.Resources resources) {
    return new ResourceRequest(resources.getMilliCpu(), resources.getMemoryMib(), resources.getGpus(), resources.getGpuType());
  }

  /** Undoes a reservation whose assignment did not reach the agent. */
  public void release(String clusterId, String attemptId) {
    if (byCluster.containsKey(clusterId)) {
      localRelease(clusterId, attemptId);
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

  void localRelease(String clusterId, String attemptId) {
    Connection connection = byCluster.get(clusterId);
    if (connection != null) {
      synchronized (connection) {
        connection.unreported.remove(attemptId);
      }
    }
  }

  /** Sends the assignment and waits for the agent's acknowledgement, through the router that holds the cluster's stream. */
  public void assign(String clusterId, Assignment assignment) {
    if (byCluster.containsKey(clusterId)) {
      localAssign(clusterId, assignment);
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

  /** For a peer, and for this router's own streams: sends the assignment and waits for the ack. */
  void localAssign(String clusterId, Assignment assignment) {
    Connection connection = byCluster.get(clusterId);
    if (connection == null) {
      throw new IllegalStateException("cluster " + clusterId + " is not connected");
    }
    CompletableFuture<Void> ack = connection.pendingAcks.computeIfAbsent(assignment.getAttemptId(), id -> new CompletableFuture<>());
    connection.send(RouterMessage.newBuilder().setAssignment(assignment).build());
    try {
      ack.get(properties.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the agent's ack", e);
    } catch (ExecutionException | TimeoutException e) {
      connection.pendingAcks.remove(assignment.getAttemptId());
      throw new IllegalStateException("agent of " + connection.name + " did not acknowledge attempt " + assignment.getAttemptId(), e);
    }
  }

  /** Best effort: false if the cluster is not connected to any router (its attempts end as lost instead). */
  public boolean cancel(String clusterId, String attemptId, String reason) {
    if (byCluster.containsKey(clusterId)) {
      return localCancel(clusterId, attemptId, reason);
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

  boolean localCancel(String clusterId, String attemptId, String reason) {
    Connection connection = byCluster.get(clusterId);
    if (connection == null) {
      return false;
    }
    connection.send(RouterMessage.newBuilder().setCancel(Cancel.newBuilder().setAttemptId(attemptId).setReason(reason)).build());
    return true;
  }
}
