package dev.meridian.router.agent;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param heartbeatInterval how often agents are asked to send a heartbeat
 * @param lostAfter how long a cluster may stay silent before its running attempts are declared lost
 * @param ackTimeout how long an agent has to acknowledge an assignment
 */
@Validated
@ConfigurationProperties("meridian.router.agents")
public record AgentProperties(Duration heartbeatInterval, Duration lostAfter, Duration ackTimeout) {
  public AgentProperties {
    heartbeatInterval = heartbeatInterval == null ? Duration.ofSeconds(2) : heartbeatInterval;
    lostAfter = lostAfter == null ? Duration.ofMinutes(2) : lostAfter;
    ackTimeout = ackTimeout == null ? Duration.ofSeconds(10) : ackTimeout;
  }
}
