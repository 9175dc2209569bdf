package dev.meridian.router.cluster;

import dev.meridian.router.agent.AgentProperties;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Registers the local stack's shared development cluster when a token for it is configured. */
@Component
class SharedCluster {

  static final String ID = "local";

  private final ClusterStore clusters;
  private final AgentProperties properties;

  SharedCluster(ClusterStore clusters, AgentProperties properties) {
    this.clusters = clusters;
    this.properties = properties;
  }

  @EventListener(ApplicationReadyEvent.class)
  void register() {
    if (properties.sharedClusterToken() != null && !properties.sharedClusterToken().isBlank()) {
      clusters.ensureShared(ID, "local", ClusterTokens.hash(properties.sharedClusterToken()));
    }
  }
}
