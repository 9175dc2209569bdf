package dev.meridian.agent.stream;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Ready once the router has welcomed this agent: its token was accepted and assignments can arrive. */
@Component("router")
class RouterHealth implements HealthIndicator {

  private final AgentIdentity identity;

  RouterHealth(AgentIdentity identity) {
    this.identity = identity;
  }

  @Override
  public Health health() {
    return identity.current()
        .map(welcomed -> Health.up().withDetail("cluster", welcomed.clusterName()).withDetail("org", welcomed.org()).build())
        .orElseGet(() -> Health.down().withDetail("reason", "not yet welcomed by cluster-router (check the token and routerAddress)").build());
  }
}
