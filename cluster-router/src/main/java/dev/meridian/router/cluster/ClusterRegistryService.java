package dev.meridian.router.cluster;

import dev.meridian.proto.ResourceMessages;
import com.google.protobuf.Timestamp;
import dev.meridian.proto.router.v1.Cluster;
import dev.meridian.proto.router.v1.ClusterRegistryGrpc;
import dev.meridian.proto.router.v1.DeleteClusterRequest;
import dev.meridian.proto.router.v1.ListClustersRequest;
import dev.meridian.proto.router.v1.ListClustersResponse;
import dev.meridian.proto.router.v1.RegisterClusterRequest;
import dev.meridian.proto.router.v1.RegisteredCluster;
import dev.meridian.proto.router.v1.SetCordonedRequest;
import dev.meridian.router.agent.AgentProperties;
import dev.meridian.router.agent.Fleet;
import dev.meridian.router.placement.ClusterView;
import dev.meridian.router.events.AttemptStore;
import dev.meridian.router.events.EventKeys;
import dev.meridian.identity.ClusterCredentials;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** Register, list, cordon and delete an org's clusters (internal contract; gateway serves it publicly). */
@Service
class ClusterRegistryService extends ClusterRegistryGrpc.ClusterRegistryImplBase {

  private static final Logger log = LoggerFactory.getLogger(ClusterRegistryService.class);

  private final ClusterStore clusters;
  private final Fleet fleet;
  private final AttemptStore attempts;
  private final EventKeys keys;
  private final AgentProperties properties;

  private final ClusterPrincipals principals;

  ClusterRegistryService(ClusterStore clusters, Fleet fleet, AttemptStore attempts, EventKeys keys,
      AgentProperties properties, ClusterPrincipals principals) {
    this.principals = principals;
    this.clusters = clusters;
    this.fleet = fleet;
    this.attempts = attempts;
    this.keys = keys;
    this.properties = properties;
  }

  @Override
  public void registerCluster(RegisterClusterRequest request, StreamObserver<RegisteredCluster> response) {
    String token = ClusterTokens.newToken();
    // The principal first: a cluster is never registered without one. If the router dies before the
    // row is written, the principal is named after a token nobody holds, and opens nothing.
    try {
      principals.grant(token);
    } catch (IllegalStateException e) {
      log.warn("cannot register a cluster of org {}: {}", request.getOrg(), e.getMessage());
      response.onError(Status.UNAVAILABLE.withDescription("the event broker cannot take the cluster's credentials now; retry").asRuntimeException());
      return;
    }
    var registered = clusters.register(request.getOrg(), request.getName(), request.getRegion(), request.getLabelsMap(),
        ClusterTokens.hash(token));
    if (registered.isEmpty()) {
      try {
        principals.revoke(ClusterTokens.hash(token));
      } catch (IllegalStateException e) {
        log.warn("left the Kafka principal of a token nobody holds (the broker did not answer): {}", e.getMessage());
      }
      response.onError(Status.ALREADY_EXISTS.withDescription("the org already has a cluster named '" + request.getName() + "'").asRuntimeException());
      return;
    }
    fleet.invalidate(request.getOrg());
    log.info("registered cluster {} ({}) of org {}", request.getName(), registered.get().id(), request.getOrg());
    response.onNext(RegisteredCluster.newBuilder().setCluster(toProto(registered.get())).setToken(token)
        .setKafkaUsername(ClusterCredentials.kafkaUsername(token)).build());
    response.onCompleted();
  }

  @Override
  public void listClusters(ListClustersRequest request, StreamObserver<ListClustersResponse> response) {
    var list = ListClustersResponse.newBuilder();
    java.util.Map<String, ClusterView> live = new java.util.HashMap<>();
    fleet.views(request.getOrg()).forEach(view -> live.put(view.id(), view));
    clusters.list(request.getOrg()).forEach(row -> list.addItems(toProto(row, java.util.Optional.ofNullable(live.get(row.id())))));
    response.onNext(list.build());
    response.onCompleted();
  }

  @Override
  public void setCordoned(SetCordonedRequest request, StreamObserver<Cluster> response) {
    if (!clusters.setCordoned(request.getOrg(), request.getId(), request.getCordoned())) {
      response.onError(notFound(request.getId()));
      return;
    }
    fleet.invalidate(request.getOrg());
    response.onNext(toProto(clusters.find(request.getOrg(), request.getId()).orElseThrow()));
    response.onCompleted();
  }

  /** Refused while attempts run there, unless forced: then they fail over like a lost cluster's. */
  @Override
  public void deleteCluster(DeleteClusterRequest request, StreamObserver<Cluster> response) {
    var row = clusters.find(request.getOrg(), request.getId());
    if (row.isEmpty()) {
      response.onError(notFound(request.getId()));
      return;
    }
    int running = attempts.openOn(request.getId()).size();
    if (running > 0 && !request.getForce()) {
      response.onError(Status.FAILED_PRECONDITION.withDescription("cluster '" + row.get().name() + "' runs " + running
          + " attempts; cordon it and let them finish, or delete with force=true to fail them over").asRuntimeException());
      return;
    }
    Cluster deleted = toProto(row.get());
    try {
      clusters.tokenHash(request.getOrg(), request.getId()).ifPresent(principals::revoke);
    } catch (IllegalStateException e) {
      log.warn("cannot delete cluster {} of org {}: {}", request.getId(), request.getOrg(), e.getMessage());
      response.onError(Status.UNAVAILABLE.withDescription("the event broker cannot drop the cluster's credentials now; retry").asRuntimeException());
      return;
    }
    clusters.delete(request.getOrg(), request.getId());
    fleet.invalidate(request.getOrg());
    keys.revokeAll(request.getId());
    fleet.disconnect(request.getId());
    log.info("deleted cluster {} of org {} ({} running attempts fail over)", row.get().name(), request.getOrg(), running);
    response.onNext(deleted);
    response.onCompleted();
  }

  private Cluster toProto(ClusterStore.ClusterRow row) {
    return toProto(row, fleet.views(row.org()).stream().filter(view -> view.id().equals(row.id())).findFirst());
  }

  /** {@code live}: the cluster as placement sees it, whichever router holds its agent's stream. */
  private Cluster toProto(ClusterStore.ClusterRow row, java.util.Optional<ClusterView> live) {
    boolean connected = live.map(ClusterView::connected).orElse(false);
    Cluster.Builder cluster = Cluster.newBuilder()
        .setId(row.id()).setOrg(row.org()).setName(row.name()).setRegion(row.region())
        .putAllLabels(live.map(ClusterView::labels).orElse(row.labels()))
        .setStatus(status(row, connected)).setCreatedAt(timestamp(row.createdAt()))
        .setRunningAttempts(attempts.openOn(row.id()).size());
    if (row.agentVersion() != null) cluster.setAgentVersion(row.agentVersion());
    fleet.lastHeard(row.id()).or(() -> java.util.Optional.ofNullable(row.lastSeenAt()))
        .ifPresent(at -> cluster.setLastHeartbeatAt(timestamp(at)));
    if (row.capacity() != null) cluster.setCapacity(ResourceMessages.toMessage(row.capacity()));
    live.filter(view -> view.connected() && view.free() != null)
        .ifPresent(view -> cluster.setAllocated(ResourceMessages.toMessage(view.total().minus(view.free()))));
    return cluster.build();
  }

  private String status(ClusterStore.ClusterRow row, boolean connected) {
    if (row.cordoned()) return "CORDONED";
    if (connected) return "CONNECTED";
    if (row.lastSeenAt() == null) return "PENDING";
    return row.lastSeenAt().isBefore(Instant.now().minus(properties.lostAfter())) ? "LOST" : "DISCONNECTED";
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static RuntimeException notFound(String id) {
    return Status.NOT_FOUND.withDescription("cluster '" + id + "' not found").asRuntimeException();
  }
}
