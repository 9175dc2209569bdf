package dev.meridian.router.agent;

import dev.meridian.proto.ResourceMessages;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RedeemSecretsRequest;
import dev.meridian.proto.agent.v1.RedeemSecretsResponse;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.router.secrets.SecretGrantsClient;
import dev.meridian.proto.agent.v1.Welcome;
import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.router.cluster.ClusterTokens;
import dev.meridian.router.events.AttemptStore;
import dev.meridian.router.events.EventKeys;
import dev.meridian.router.events.TaskEventPublisher;
import dev.meridian.workflow.Capacity;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The end of the agent stream. Hello must carry a valid cluster token; the router answers with the
 * cluster's identity and a fresh key to sign task events with. It then reconciles: attempts handed
 * to this cluster that the agent no longer knows (it restarted) are declared lost and retried.
 */
@Service
class AgentStreamService extends AgentServiceGrpc.AgentServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(AgentStreamService.class);

  private final ConnectedAgents agents;
  private final ClusterStore clusters;
  private final AttemptStore attempts;
  private final TaskEventPublisher events;
  private final EventKeys keys;
  private final AgentProperties properties;
  private final RouterPeers peers;
  private final Fleet fleet;
  private final SecretGrantsClient secretGrants;

  AgentStreamService(ConnectedAgents agents, ClusterStore clusters, AttemptStore attempts, TaskEventPublisher events,
      EventKeys keys, AgentProperties properties, RouterPeers peers, Fleet fleet, SecretGrantsClient secretGrants) {
    this.secretGrants = secretGrants;
    this.peers = peers;
    this.fleet = fleet;
    this.agents = agents;
    this.clusters = clusters;
    this.attempts = attempts;
    this.events = events;
    this.keys = keys;
    this.properties = properties;
  }


  /**
   * Redeems an attempt's secrets grant for the agent that holds the cluster's token: the broker
   * checks that the grant is this cluster's and unused. The values are answered and forgotten.
   */
  @Override
  public void redeemSecrets(RedeemSecretsRequest request, StreamObserver<RedeemSecretsResponse> out) {
    var cluster = clusters.byTokenHash(ClusterTokens.hash(request.getToken()));
    if (cluster.isEmpty()) {
      out.onError(Status.UNAUTHENTICATED.withDescription("unknown or revoked cluster token").asRuntimeException());
      return;
    }
    try {
      var secrets = secretGrants.redeem(request.getGrantId(), cluster.get().id(), request.getAttemptId());
      out.onNext(RedeemSecretsResponse.newBuilder().addAllSecrets(secrets).build());
      out.onCompleted();
    } catch (SecretGrantsClient.Refused refused) {
      log.warn("refused a secrets redemption for attempt {} from cluster {}: {}", request.getAttemptId(), cluster.get().id(),
          refused.getMessage());
      out.onError(Status.PERMISSION_DENIED.withDescription(refused.getMessage()).asRuntimeException());
    } catch (io.grpc.StatusRuntimeException e) {
      out.onError(Status.UNAVAILABLE.withDescription("the secrets-broker did not answer (" + e.getStatus().getCode() + "); retry")
          .asRuntimeException());
    }
  }

  @Override
  public StreamObserver<AgentMessage> connect(StreamObserver<RouterMessage> out) {
    return new StreamObserver<>() {
      private ConnectedAgents.Connection connection;

      @Override
      public void onNext(AgentMessage message) {
        switch (message.getKindCase()) {
          case HELLO -> hello(message.getHello());
          case HEARTBEAT -> {
            if (connection != null) {
              agents.heartbeat(connection, ResourceMessages.capacity(message.getHeartbeat().getFree()),
                  new HashSet<>(message.getHeartbeat().getKnownAttemptIdsList()));
              if (agents.persistHeartbeat(connection)) {
                clusters.seen(connection.clusterId, peers.routerId(), true, null, null);
              }
            }
          }
          case DRAIN -> {
            if (connection != null) {
              agents.draining(connection);
              log.info("agent of cluster {} is draining: {}", connection.name, message.getDrain().getReason());
            }
          }
          case ACK -> {
            if (connection != null) {
              connection.acked(message.getAck().getAttemptId());
            }
          }
          default -> log.warn("ignoring empty agent message");
        }
      }

      private void hello(Hello hello) {
        var cluster = clusters.byTokenHash(ClusterTokens.hash(hello.getToken()));
        if (cluster.isEmpty()) {
          log.warn("refused an agent with an unknown or revoked cluster token");
          out.onError(Status.UNAUTHENTICATED.withDescription("unknown or revoked cluster token").asRuntimeException());
          return;
        }
        var row = cluster.get();
        Capacity total = ResourceMessages.capacity(hello.getCapacity());
        connection = new ConnectedAgents.Connection(row.id(), row.org(), row.name(), total, hello.getLabelsMap(), out);
        Optional<RouterPeers.Peer> previousOwner = peers.ownerOf(row.id());
        clusters.seen(row.id(), peers.routerId(), true, hello.getAgentVersion(), total);
        Set<String> known = new HashSet<>(hello.getKnownAttemptIdsList());
        for (AttemptStore.OpenAttempt open : attempts.openOn(row.id())) {
          if (!known.contains(open.attemptId())) {
            events.publishLost(open, "the agent of cluster " + row.name() + " restarted and no longer runs this attempt");
          }
        }
        EventKeys.Key key = keys.issue(row.id());
        agents.connected(connection);
        fleet.takeOver(row.id(), previousOwner);
        Set<String> stillOurs = attempts.openAmong(row.id(), known);
        for (String attemptId : known) {
          if (!stillOurs.contains(attemptId)) {
            // Failed over or ended while the agent was away: it must stop, or it would run twice.
            agents.cancel(row.id(), attemptId, "this attempt was reassigned or ended while the agent was disconnected");
          }
        }
        connection.send(RouterMessage.newBuilder().setWelcome(Welcome.newBuilder()
            .setCluster(row.id())
            .setClusterName(row.name())
            .setOrg(row.org())
            .setEventSigningKeyId(key.id())
            .setEventSigningKey(ByteString.copyFrom(key.secret()))
            .setHeartbeatInterval(Duration.newBuilder().setSeconds(properties.heartbeatInterval().toSeconds()))).build());
        log.info("agent of cluster {} ({}, org {}, version {}) connected with {}, running {} attempts", row.name(), row.id(),
            row.org(), hello.getAgentVersion(), total.describe(), known.size());
      }

      @Override
      public void onError(Throwable t) {
        closed();
      }

      @Override
      public void onCompleted() {
        closed();
        out.onCompleted();
      }

      private void closed() {
        if (connection != null && agents.disconnected(connection)) {
          clusters.seen(connection.clusterId, peers.routerId(), false, null, null);
          log.info("agent of cluster {} disconnected", connection.name);
        }
      }
    };
  }
}
