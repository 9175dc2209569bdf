package dev.meridian.agent;

import jakarta.validation.constraints.NotBlank;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param org the org whose work this agent runs; {@code *} for the local stack's shared cluster
 * @param cluster this cluster's name
 * @param routerTarget host:port of cluster-router's agent endpoint
 * @param workDir where each attempt gets its own working directory and log
 * @param taskSlots how many attempts may run at once
 */
@Validated
@ConfigurationProperties("meridian.agent")
public record AgentProperties(
    @NotBlank String org,
    @NotBlank String cluster,
    @NotBlank String routerTarget,
    Path workDir,
    int taskSlots,
    Duration reconnectMaxBackoff,
    String taskEventsTopic) {

  public AgentProperties {
    workDir = workDir == null ? Path.of(System.getProperty("java.io.tmpdir"), "meridian-agent") : workDir;
    taskSlots = taskSlots <= 0 ? 8 : taskSlots;
    reconnectMaxBackoff = reconnectMaxBackoff == null ? Duration.ofSeconds(5) : reconnectMaxBackoff;
    taskEventsTopic = taskEventsTopic == null || taskEventsTopic.isBlank() ? "meridian.task-events.v1" : taskEventsTopic;
  }
}
