package dev.meridian.router.agent;

import com.google.protobuf.Duration;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.agent.v1.Welcome;
import dev.meridian.router.events.AttemptStore;
import dev.meridian.router.events.TaskEventPublisher;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The end of the agent stream. On hello the router reconciles: attempts it handed to this cluster
 * that the agent no longer knows (it restarted) are declared lost, so they are retried elsewhere.
 */
@Service
class AgentStreamService extends AgentServiceGrpc.AgentServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(AgentStreamService.class);

  private final ConnectedAgents agents;
  private final ClusterStore clusters;
  private final AttemptStore attempts;
  private final TaskEventPublisher events;
  private final AgentProperties properties;

  AgentStreamService(ConnectedAgents agents, ClusterStore clusters, AttemptStore attempts, TaskEventPublisher events,
      AgentProperties properties) {
    this.agents = agents;
    this.clusters = clusters;
    this.attempts = attempts;
    this.events = events;
    this.properties = properties;
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
              clusters.seen(connection.cluster, connection.org, true);
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
        if (hello.getOrg().isBlank() || hello.getCluster().isBlank()) {
          out.onError(Status.INVALID_ARGUMENT.withDescription("hello must name the org and the cluster").asRuntimeException());
          return;
        }
        connection = new ConnectedAgents.Connection(hello.getOrg(), hello.getCluster(), out);
        clusters.seen(hello.getCluster(), hello.getOrg(), true);
        Set<String> known = new HashSet<>(hello.getKnownAttemptIdsList());
        for (AttemptStore.OpenAttempt open : attempts.openOn(hello.getCluster())) {
          if (!known.contains(open.attemptId())) {
            events.publishLost(open, "the agent of cluster " + hello.getCluster() + " restarted and no longer runs this attempt");
          }
        }
        agents.connected(connection);
        connection.send(RouterMessage.newBuilder().setWelcome(Welcome.newBuilder()
            .setCluster(hello.getCluster())
            .setHeartbeatInterval(Duration.newBuilder().setSeconds(properties.heartbeatInterval().toSeconds()))).build());
        log.info("agent of cluster {} (org {}, version {}) connected, running {} attempts", hello.getCluster(),
            hello.getOrg(), hello.getAgentVersion(), known.size());
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
          clusters.seen(connection.cluster, connection.org, false);
          log.info("agent of cluster {} disconnected", connection.cluster);
        }
      }
    };
  }
}
