package dev.meridian.router.agent;

import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Cancel;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.router.v1.PeerClusterView;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.workflow.Capacity;
import dev.meridian.router.placement.ClusterView;
import dev.meridian.workflow.ResourceRequest;
import io.grpc.Status;
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
import org.springframework.stereotype.Component;

/**
 * The agents connected to <em>this</em> router, one stream per cluster, and what each cluster has
 * free. Free capacity is what the agent last reported minus what was assigned since and not yet in
 * a report, so two concurrent placements can never both take the last GPU. Nothing here forwards:
 * {@link Fleet} decides whether a cluster is reached here or through the router that holds it, and
 * {@link RouterPeerService} answers the other routers from here.
 */
@Component
class ConnectedAgents {

  private final Map<String, Connection> byCluster = new ConcurrentHashMap<>();
  private final AgentProperties properties;

  ConnectedAgents(AgentProperties properties) {
    this.properties = properties;
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
  Map<String, String> labels(ClusterStore.ClusterRow row) {
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

  Optional<Instant> lastHeard(String clusterId) {
    return Optional.ofNullable(byCluster.get(clusterId)).map(c -> c.lastHeard);
  }

  /** Ends this router's stream of the cluster, if it holds one. */
  void disconnect(String clusterId, Status why) {
    Connection connection = byCluster.remove(clusterId);
    if (connection != null) {
      connection.closed();
      connection.end(why);
    }
  }

  /** How placement sees the cluster if this router holds its stream; empty otherwise. */
  Optional<ClusterView> view(ClusterStore.ClusterRow row, Instant healthySince) {
    Connection connection = byCluster.get(row.id());
    if (connection == null) {
      return Optional.empty();
    }
    return Optional.of(new ClusterView(row.id(), row.name(), labels(row), true, connection.lastHeard.isAfter(healthySince),
        row.cordoned(), connection.draining, connection.total, connection.free()));
  }

  /** This router's own streams among {@code clusterIds}, as a peer asks for them. */
  List<PeerClusterView> views(List<String> clusterIds) {
    Instant healthySince = Instant.now().minus(properties.unhealthyAfter());
    List<PeerClusterView> views = new ArrayList<>();
    for (String id : clusterIds) {
      Connection connection = byCluster.get(id);
      if (connection != null) {
        views.add(PeerClusterView.newBuilder().setClusterId(id).setHealthy(connection.lastHeard.isAfter(healthySince))
            .setDraining(connection.draining).setTotal(ResourceMessages.toMessage(connection.total)).setFree(ResourceMessages.toMessage(connection.free()))
            .putAllReportedLabels(connection.labels).build());
      }
    }
    return views;
  }

  /** Takes {@code request} from what the cluster has free, if this router holds its stream and it still fits. */
  boolean reserve(String clusterId, String attemptId, ResourceRequest request) {
    Connection connection = byCluster.get(clusterId);
    return connection != null && connection.reserve(attemptId, request);
  }

  void release(String clusterId, String attemptId) {
    Connection connection = byCluster.get(clusterId);
    if (connection != null) {
      synchronized (connection) {
        connection.unreported.remove(attemptId);
      }
    }
  }

  /** Sends the assignment on this router's stream and waits for the agent's acknowledgement. */
  void assign(String clusterId, Assignment assignment) {
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

  /** Best effort: false if this router does not hold the cluster's stream. */
  boolean cancel(String clusterId, String attemptId, String reason) {
    Connection connection = byCluster.get(clusterId);
    if (connection == null) {
      return false;
    }
    connection.send(RouterMessage.newBuilder().setCancel(Cancel.newBuilder().setAttemptId(attemptId).setReason(reason)).build());
    return true;
  }
}
