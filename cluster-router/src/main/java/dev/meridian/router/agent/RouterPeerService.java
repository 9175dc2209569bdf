package dev.meridian.router.agent;

import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.router.v1.PeerAssignRequest;
import dev.meridian.proto.router.v1.PeerAttemptRequest;
import dev.meridian.proto.router.v1.PeerDisconnectRequest;
import dev.meridian.proto.router.v1.PeerEmpty;
import dev.meridian.proto.router.v1.PeerReserveRequest;
import dev.meridian.proto.router.v1.PeerReserveResponse;
import dev.meridian.proto.router.v1.PeerViewsRequest;
import dev.meridian.proto.router.v1.PeerViewsResponse;
import dev.meridian.proto.router.v1.RouterPeersGrpc;
import dev.meridian.router.events.EventKeys;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/**
 * What this router does for the other routers on the agent streams it holds (router.proto,
 * {@code RouterPeers}; callers are checked to be routers of this deployment by {@code GrpcTenancy}).
 * Every answer comes from this router's own streams; nothing is forwarded again.
 */
@Service
class RouterPeerService extends RouterPeersGrpc.RouterPeersImplBase {

  static final int MAX_CLUSTERS_PER_CALL = 10_000;

  private final ConnectedAgents agents;
  private final EventKeys keys;

  RouterPeerService(ConnectedAgents agents, EventKeys keys) {
    this.agents = agents;
    this.keys = keys;
  }

  @Override
  public void views(PeerViewsRequest request, StreamObserver<PeerViewsResponse> response) {
    if (request.getClusterIdsCount() > MAX_CLUSTERS_PER_CALL) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_CLUSTERS_PER_CALL + " clusters per call").asRuntimeException());
      return;
    }
    response.onNext(PeerViewsResponse.newBuilder().addAllClusters(agents.views(request.getClusterIdsList())).build());
    response.onCompleted();
  }

  @Override
  public void reserve(PeerReserveRequest request, StreamObserver<PeerReserveResponse> response) {
    boolean reserved = agents.reserve(request.getClusterId(), request.getAttemptId(), ResourceMessages.request(request.getRequest()));
    response.onNext(PeerReserveResponse.newBuilder().setReserved(reserved).build());
    response.onCompleted();
  }

  @Override
  public void release(PeerAttemptRequest request, StreamObserver<PeerEmpty> response) {
    agents.release(request.getClusterId(), request.getAttemptId());
    done(response);
  }

  @Override
  public void assign(PeerAssignRequest request, StreamObserver<PeerEmpty> response) {
    try {
      agents.assign(request.getClusterId(), request.getAssignment());
    } catch (IllegalStateException e) {
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    done(response);
  }

  @Override
  public void cancel(PeerAttemptRequest request, StreamObserver<PeerEmpty> response) {
    agents.cancel(request.getClusterId(), request.getAttemptId(), request.getReason());
    done(response);
  }

  @Override
  public void disconnect(PeerDisconnectRequest request, StreamObserver<PeerEmpty> response) {
    keys.forget(request.getClusterId());
    agents.disconnect(request.getClusterId(), Status.ABORTED.withDescription(request.getReason()));
    done(response);
  }

  private static void done(StreamObserver<PeerEmpty> response) {
    response.onNext(PeerEmpty.getDefaultInstance());
    response.onCompleted();
  }
}
