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
  private final ClusterPrincipals principals;

  SharedCluster(ClusterStore clusters, AgentProperties properties, ClusterPrincipals principals) {
    this.clusters = clusters;
    this.properties = properties;
    this.principals = principals;
  }

  @EventListener(ApplicationReadyEvent.class)
  void register() {
    if (properties.sharedClusterToken() != null && !properties.sharedClusterToken().isBlank()) {
      principals.grant(properties.sharedClusterToken());
      clusters.ensureShared(ID, "local", ClusterTokens.hash(properties.sharedClusterToken()));
    }
  }
}
