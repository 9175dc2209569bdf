package dev.meridian.router.agent;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param heartbeatInterval how often agents are asked to send a heartbeat
 * @param unhealthyAfter a cluster not heard from for this long gets no new placements
 * @param lostAfter a cluster not heard from for this long has its running attempts declared lost
 * @param ackTimeout how long an agent has to acknowledge an assignment
 * @param sharedClusterToken if set, an agent presenting it serves every org as cluster {@code local}
 *     (the local stack's development cluster); never set it in a hosted deployment
 */
@Validated
@ConfigurationProperties("meridian.router.agents")
public record AgentProperties(Duration heartbeatInterval, Duration unhealthyAfter, Duration lostAfter, Duration ackTimeout,
    String sharedClusterToken) {
  public AgentProperties {
    heartbeatInterval = heartbeatInterval == null ? Duration.ofSeconds(2) : heartbeatInterval;
    unhealthyAfter = unhealthyAfter == null ? heartbeatInterval.multipliedBy(5) : unhealthyAfter;
    lostAfter = lostAfter == null ? Duration.ofMinutes(2) : lostAfter;
    ackTimeout = ackTimeout == null ? Duration.ofSeconds(10) : ackTimeout;
  }
}
