package dev.meridian.router.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import java.util.Optional;
import dev.meridian.router.execution.AttemptOutcomes;
import dev.meridian.tenancy.TenantContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

  TaskEventListener(AttemptStore attempts, AttemptOutcomes outcomes, EventKeys keys, MeterRegistry meters, Admitter admitter) {
    this.admitter = admitter;
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
      rejected.increment();
      log.warn("rejected an unreadable task event at {}-{}@{}", record.topic(), record.partition(), record.offset());
      ack.acknowledge();
      return;
    }
    try (var tenant = TenantContext.ofExecution(event.getOrg(), event.getExecutionId()).open()) {
      if (signer.isEmpty()) {
        rejected.increment();
        log.warn("rejected task event {} for attempt {}: its signature does not verify under any known key",
            event.getEventId(), event.getAttemptId());
        ack.acknowledge();
        return;
      }
      switch (attempts.apply(event, signer.get())) {
        case AttemptStore.Applied.Rejected rejection -> {
          rejected.increment();
          log.warn("rejected task event {} for attempt {}: {}", event.getEventId(), event.getAttemptId(), rejection.reason());
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
}
