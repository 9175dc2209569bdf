package dev.meridian.router.usage;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param topic where usage records are published (billing consumes it)
 * @param interval a reservation still held after this long is metered in a record of its own, so
 *     usage shows while work runs (at least hourly)
 * @param publishEvery how often the outbox is drained
 * @param lease how long a router may take to publish the records it took before another router
 *     takes them over
 */
@Validated
@ConfigurationProperties("meridian.router.usage")
public record UsageProperties(@NotBlank String topic, @NotNull Duration interval, @NotNull Duration publishEvery, @NotNull Duration lease) {

  public UsageProperties {
    topic = topic == null ? "meridian.usage.v1" : topic;
    interval = interval == null ? Duration.ofHours(1) : interval;
    publishEvery = publishEvery == null ? Duration.ofMillis(500) : publishEvery;
    lease = lease == null ? Duration.ofSeconds(30) : lease;
  }
}
