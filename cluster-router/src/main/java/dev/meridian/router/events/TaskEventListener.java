package dev.meridian.router.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import java.util.Optional;
import dev.meridian.router.execution.AttemptOutcomes;
import dev.meridian.tenancy.TenantContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import dev.meridian.router.admission.Admitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * Consumes task events: applies each to the read model exactly once and tells the execution's
 * workflow when an attempt ended. The offset is committed only after both, so a crash in between
 * replays the event: the read model ignores the duplicate, the workflow ignores the repeated signal.
 */
@Component
class TaskEventListener {

  private static final Logger log = LoggerFactory.getLogger(TaskEventListener.class);

  private final AttemptStore attempts;
  private final AttemptOutcomes outcomes;
  private final EventKeys keys;
  private final Counter rejected;
  private final Admitter admitter;

  private final KafkaTemplate<String, byte[]> kafka;
  private final EventsProperties properties;

  TaskEventListener(AttemptStore attempts, AttemptOutcomes outcomes, EventKeys keys, MeterRegistry meters, Admitter admitter,
      KafkaTemplate<String, byte[]> kafka, EventsProperties properties) {
    this.admitter = admitter;
    this.kafka = kafka;
    this.properties = properties;
    this.attempts = attempts;
    this.outcomes = outcomes;
    this.keys = keys;
    this.rejected = Counter.builder("meridian.router.task_events.rejected")
        .description("Task events refused: unreadable, unsigned, or not from the attempt's cluster").register(meters);
  }

  @KafkaListener(topics = "${meridian.router.events.task-topic:meridian.task-events.v1}", groupId = "cluster-router")
  void onTaskEvent(ConsumerRecord<String, byte[]> record, Acknowledgment ack) {
    TaskEvent event;
    Optional<String> signer;
    try {
      SignedTaskEvent signed = SignedTaskEvent.parseFrom(record.value());
      event = TaskEvent.parseFrom(signed.getEvent());
      signer = keys.verify(signed);
    } catch (InvalidProtocolBufferException e) {
      log.warn("rejected an unreadable task event at {}-{}@{}", record.topic(), record.partition(), record.offset());
      deadLetter(record, "unreadable: " + e.getMessage());
      ack.acknowledge();
      return;
    }
    try (var tenant = TenantContext.ofExecution(event.getOrg(), event.getExecutionId()).open()) {
      if (signer.isEmpty()) {
        log.warn("rejected task event {} for attempt {} (org {}, claimed cluster {}): its signature does not verify under any known key",
            event.getEventId(), event.getAttemptId(), event.getOrg(), event.getCluster());
        deadLetter(record, "signature does not verify");
        ack.acknowledge();
        return;
      }
      switch (attempts.apply(event, signer.get())) {
        case AttemptStore.Applied.Rejected rejection -> {
          log.warn("rejected task event {} for attempt {} (org {}, signed by cluster {}): {}", event.getEventId(), event.getAttemptId(),
              event.getOrg(), signer.get(), rejection.reason());
          deadLetter(record, rejection.reason());
        }
        case AttemptStore.Applied.New applied -> {
          if (applied.released()) {
            admitter.released(event.getOrg(), 1);
          }
          outcomes.deliver(event);
        }
        case AttemptStore.Applied.Duplicate duplicate -> outcomes.deliver(event);
      }
    }
    ack.acknowledge();
  }

  /**
   * Counts the refused record and parks it, with why, on the dead-letter topic; waits for the write,
   * so a record is acknowledged only once it is kept somewhere.
   */
  private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
    rejected.increment();
    ProducerRecord<String, byte[]> parked = new ProducerRecord<>(properties.deadLetterTopic(), record.key(), record.value());
    parked.headers().add("meridian-rejected-because", reason.getBytes(StandardCharsets.UTF_8));
    parked.headers().add("meridian-source", (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
    try {
      kafka.send(parked).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while parking a refused task event", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot park a refused task event on " + properties.deadLetterTopic(), e);
    }
  }
}
