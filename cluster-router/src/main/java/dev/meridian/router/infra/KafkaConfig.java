package dev.meridian.router.infra;

import dev.meridian.router.events.EventsProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

@Configuration(proxyBeanMethods = false)
class KafkaConfig {

  @Bean
  NewTopic taskEventsTopic(EventsProperties properties) {
    return TopicBuilder.name(properties.taskTopic()).partitions(properties.partitions()).replicas(1).build();
  }

  @Bean
  NewTopic executionEventsTopic(EventsProperties properties) {
    return TopicBuilder.name(properties.executionTopic()).partitions(properties.partitions()).replicas(1).build();
  }

  @Bean
  NewTopic usageTopic(dev.meridian.router.usage.UsageProperties usage, EventsProperties properties) {
    return TopicBuilder.name(usage.topic()).partitions(properties.partitions()).replicas(1).build();
  }

  @Bean
  NewTopic deadLetterTopic(EventsProperties properties) {
    return TopicBuilder.name(properties.deadLetterTopic()).partitions(1).replicas(1).build();
  }

  /**
   * An event that cannot be processed (database or Temporal unavailable) is retried until it can:
   * a backed-up pipeline slows the router down, it never drops an event.
   */
  @Bean
  CommonErrorHandler retryForever() {
    ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
    backOff.setMaxInterval(5_000);
    backOff.setMaxElapsedTime(Long.MAX_VALUE);
    return new DefaultErrorHandler(backOff);
  }
}
