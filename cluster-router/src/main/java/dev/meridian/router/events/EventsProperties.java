package dev.meridian.router.events;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

@Validated
@ConfigurationProperties("meridian.router.events")
public record EventsProperties(
    @NotBlank String taskTopic,
    @NotBlank String executionTopic,
    int partitions) {

  public EventsProperties {
    taskTopic = taskTopic == null ? "meridian.task-events.v1" : taskTopic;
    executionTopic = executionTopic == null ? "meridian.execution-events.v1" : executionTopic;
    partitions = partitions <= 0 ? 4 : partitions;
  }
}
