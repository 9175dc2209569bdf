package dev.meridian.router.agent;

import java.nio.file.Path;
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
 * @param endpoint the listener agents connect to, apart from the internal API
 * @param kafkaBytesPerSecond what one cluster's Kafka principal may write a second before the broker throttles it
 */
@Validated
@ConfigurationProperties("meridian.router.agents")
public record AgentProperties(Duration heartbeatInterval, Duration unhealthyAfter, Duration lostAfter, Duration ackTimeout,
    String sharedClusterToken, Endpoint endpoint, org.springframework.util.unit.DataSize kafkaBytesPerSecond) {
  public AgentProperties {
    heartbeatInterval = heartbeatInterval == null ? Duration.ofSeconds(2) : heartbeatInterval;
    unhealthyAfter = unhealthyAfter == null ? heartbeatInterval.multipliedBy(5) : unhealthyAfter;
    lostAfter = lostAfter == null ? Duration.ofMinutes(2) : lostAfter;
    ackTimeout = ackTimeout == null ? Duration.ofSeconds(10) : ackTimeout;
    endpoint = endpoint == null ? new Endpoint(null, 0, null, null) : endpoint;
    kafkaBytesPerSecond = kafkaBytesPerSecond == null ? org.springframework.util.unit.DataSize.ofMegabytes(1) : kafkaBytesPerSecond;
  }

  /**
   * The agent endpoint: reachable from customer clusters, it serves the agent stream and nothing
   * else, over TLS only.
   *
   * @param address where it listens ({@code 0.0.0.0} in a hosted deployment)
   * @param port its port
   * @param certificate PEM certificate chain it serves (agents check it against their CA bundle); by
   *     default the router's service certificate ({@code meridian.tls.certificate})
   * @param privateKey PEM private key of {@code certificate}
   */
  public record Endpoint(String address, int port, Path certificate, Path privateKey) {
    public Endpoint {
      address = address == null || address.isBlank() ? "127.0.0.1" : address;
      port = port == 0 ? 9443 : port;
    }
  }
}
