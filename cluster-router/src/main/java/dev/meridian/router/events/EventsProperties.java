package dev.meridian.router.events;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param taskTopic where agents write task events
 * @param executionTopic where the router writes execution events
 * @param deadLetterTopic where task events that cannot be read, do not verify or are refused go,
 *     with the reason in a header: kept for inspection, never blocking their partition
 * @param partitions partitions of the topics the router creates
 */
@Validated
@ConfigurationProperties("meridian.router.events")
public record EventsProperties(
    @NotBlank String taskTopic,
    @NotBlank String executionTopic,
    @NotBlank String deadLetterTopic,
    int partitions) {

  public EventsProperties {
    taskTopic = taskTopic == null ? "meridian.task-events.v1" : taskTopic;
    executionTopic = executionTopic == null ? "meridian.execution-events.v1" : executionTopic;
    deadLetterTopic = deadLetterTopic == null ? "meridian.task-events.dlt.v1" : deadLetterTopic;
    partitions = partitions <= 0 ? 4 : partitions;
  }
}
