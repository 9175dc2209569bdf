package dev.meridian.router.events;

import com.google.protobuf.Timestamp;
import dev.meridian.proto.events.v1.ExecutionEvent;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import dev.meridian.proto.events.v1.TaskPhase;
import dev.meridian.tenancy.TenancyKafka;
import dev.meridian.tenancy.TenantContext;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** Events the router itself publishes: attempts it declares lost, and execution phase changes. */
@Component
public class TaskEventPublisher {

  private final KafkaTemplate<String, byte[]> kafka;
  private final EventsProperties properties;
  private final EventKeys keys;

  TaskEventPublisher(KafkaTemplate<String, byte[]> kafka, EventsProperties properties, EventKeys keys) {
    this.kafka = kafka;
    this.properties = properties;
    this.keys = keys;
  }

  /** Declares an attempt lost; the event id makes a repeated declaration a no-op for every consumer. */
  public void publishLost(AttemptStore.OpenAttempt attempt, String reason) {
    TaskEvent event = TaskEvent.newBuilder()
        .setEventId(attempt.attemptId() + "/LOST")
        .setOrg(attempt.org())
        .setExecutionId(attempt.executionId())
        .setNodeId(attempt.nodeId())
        .setAttempt(attempt.attempt())
        .setAttemptId(attempt.attemptId())
        .setCluster(attempt.cluster())
        .setPhase(TaskPhase.TASK_PHASE_LOST)
        .setReason(reason)
        .setOccurredAt(now())
        .build();
    EventKeys.Key key = keys.routerKey();
    byte[] bytes = event.toByteArray();
    send(properties.taskTopic(), attempt.org(), attempt.executionId(), SignedTaskEvent.newBuilder()
        .setEvent(com.google.protobuf.ByteString.copyFrom(bytes)).setKeyId(key.id())
        .setSignature(com.google.protobuf.ByteString.copyFrom(EventKeys.sign(key.secret(), bytes))).build().toByteArray());
  }

  public void publish(ExecutionEvent event) {
    send(properties.executionTopic(), event.getOrg(), event.getExecutionId(), event.toByteArray());
  }

  private void send(String topic, String org, String executionId, byte[] value) {
    var record = new ProducerRecord<String, byte[]>(topic, executionId, value);
    TenancyKafka.write(TenantContext.ofExecution(org, executionId), record.headers());
    try {
      kafka.send(record).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing to " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not publish to " + topic, e.getCause());
    }
  }

  static Timestamp now() {
    Instant now = Instant.now();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }
}
