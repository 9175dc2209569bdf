package dev.meridian.router.agent;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Cancel;
import dev.meridian.proto.agent.v1.RouterMessage;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/** The agents connected to this router right now, one stream per cluster. */
@Component
public class ConnectedAgents {

  /** Org of an agent that serves every org: the shared development cluster of the local stack. */
  public static final String ANY_ORG = "*";

  private final Map<String, Connection> byCluster = new ConcurrentHashMap<>();
  private final AtomicLong roundRobin = new AtomicLong();
  private final AgentProperties properties;

  ConnectedAgents(AgentProperties properties) {
    this.properties = properties;
  }

  static final class Connection {
    final String org;
    final String cluster;
    private final StreamObserver<RouterMessage> out;
    private final Map<String, CompletableFuture<Void>> pendingAcks = new ConcurrentHashMap<>();

    Connection(String org, String cluster, StreamObserver<RouterMessage> out) {
      this.org = org;
      this.cluster = cluster;
      this.out = out;
    }

    /** gRPC stream observers are not thread-safe; every send goes through here. */
    synchronized void send(RouterMessage message) {
      out.onNext(message);
    }

    void acked(String attemptId) {
      CompletableFuture<Void> pending = pendingAcks.remove(attemptId);
      if (pending != null) {
        pending.complete(null);
      }
    }

    void closed() {
      pendingAcks.values().forEach(f -> f.completeExceptionally(new IllegalStateException("agent of " + cluster + " disconnected")));
    }
  }

  void connected(Connection connection) {
    Connection previous = byCluster.put(connection.cluster, connection);
    if (previous != null && previous != connection) {
      previous.closed();
    }
  }

  /** True if this was the cluster's current connection. */
  boolean disconnected(Connection connection) {
    connection.closed();
    return byCluster.remove(connection.cluster, connection);
  }

  boolean isConnected(String cluster) {
    return byCluster.containsKey(cluster);
  }

  /** A connected cluster that may run work of {@code org}, chosen round-robin. */
  public Optional<String> choose(String org) {
    List<Connection> eligible = byCluster.values().stream()
        .filter(c -> c.org.equals(org) || c.org.equals(ANY_ORG))
        .sorted(java.util.Comparator.comparing(c -> c.cluster))
        .toList();
    if (eligible.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(eligible.get((int) (roundRobin.getAndIncrement() % eligible.size())).cluster);
  }

  /** Sends the assignment and waits for the agent's acknowledgement. */
  public void assign(String cluster, Assignment assignment) {
    Connection connection = byCluster.get(cluster);
    if (connection == null) {
      throw new IllegalStateException("cluster " + cluster + " is not connected");
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
      throw new IllegalStateException("agent of " + cluster + " did not acknowledge attempt " + assignment.getAttemptId(), e);
    }
  }

  /** Best effort: false if the cluster is not connected (its attempts end as lost instead). */
  public boolean cancel(String cluster, String attemptId, String reason) {
    Connection connection = byCluster.get(cluster);
    if (connection == null) {
      return false;
    }
    connection.send(RouterMessage.newBuilder().setCancel(Cancel.newBuilder().setAttemptId(attemptId).setReason(reason)).build());
    return true;
  }
}
