package dev.meridian.agent.events;

import com.google.protobuf.Timestamp;
import com.google.protobuf.ByteString;
import dev.meridian.agent.stream.AgentIdentity;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import dev.meridian.agent.backend.AttemptReporter;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.events.v1.TaskEvent;
import dev.meridian.proto.events.v1.TaskPhase;
import dev.meridian.tenancy.TenancyKafka;
import dev.meridian.tenancy.TenantContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every phase change of an attempt as a {@link TaskEvent}, keyed by execution id. The
 * event id is {@code <attempt-id>/<phase>}, so a repeated report is a duplicate every consumer drops.
 * Terminal events are sent synchronously: the attempt is not forgotten before its end is durable.
 */
public final class KafkaAttemptReporter implements AttemptReporter {

  private static final Logger log = LoggerFactory.getLogger(KafkaAttemptReporter.class);

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final AgentIdentity identity;

  public KafkaAttemptReporter(Producer<String, byte[]> producer, String topic, AgentIdentity identity) {
    this.producer = producer;
    this.topic = topic;
    this.identity = identity;
  }

  public void assigned(Assignment attempt) {
    publish(event(attempt, TaskPhase.TASK_PHASE_ASSIGNED), false);
  }

  @Override
  public void initializing(Assignment attempt) {
    publish(event(attempt, TaskPhase.TASK_PHASE_INITIALIZING), false);
  }

  @Override
  public void running(Assignment attempt, String logsUri) {
    publish(event(attempt, TaskPhase.TASK_PHASE_RUNNING).setLogsUri(logsUri), false);
  }

  @Override
  public void succeeded(Assignment attempt, String outputsJson, String logsUri) {
    publish(event(attempt, TaskPhase.TASK_PHASE_SUCCEEDED).setOutputsJson(outputsJson).setExitCode(0).setLogsUri(logsUri), true);
  }

  @Override
  public void failed(Assignment attempt, Integer exitCode, String reason, List<String> logTail, String logsUri) {
    TaskEvent.Builder event = event(attempt, TaskPhase.TASK_PHASE_FAILED).setReason(reason).addAllLogTail(logTail).setLogsUri(logsUri);
    if (exitCode != null) {
      event.setExitCode(exitCode);
    }
    publish(event, true);
  }

  @Override
  public void aborted(Assignment attempt, String reason, String logsUri) {
    publish(event(attempt, TaskPhase.TASK_PHASE_ABORTED).setReason(reason).setLogsUri(logsUri), true);
  }

  @Override
  public void lost(Assignment attempt, String reason) {
    publish(event(attempt, TaskPhase.TASK_PHASE_LOST).setReason(reason), true);
  }

  private TaskEvent.Builder event(Assignment attempt, TaskPhase phase) {
    Instant now = Instant.now();
    return TaskEvent.newBuilder()
        .setEventId(attempt.getAttemptId() + "/" + phase.name().substring("TASK_PHASE_".length()))
        .setOrg(attempt.getOrg())
        .setProject(attempt.getProject())
        .setDomain(attempt.getDomain())
        .setExecutionId(attempt.getExecutionId())
        .setNodeId(attempt.getNodeId())
        .setAttempt(attempt.getAttempt())
        .setAttemptId(attempt.getAttemptId())
        .setCluster(identity.current().map(AgentIdentity.Current::clusterId).orElse(""))
        .setPhase(phase)
        .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
  }

  private void publish(TaskEvent.Builder event, boolean durable) {
    TaskEvent built = event.build();
    AgentIdentity.Current signer = identity.current()
        .orElseThrow(() -> new IllegalStateException("no event signing key yet: the router has not welcomed this agent"));
    byte[] bytes = built.toByteArray();
    byte[] signed = SignedTaskEvent.newBuilder()
        .setEvent(ByteString.copyFrom(bytes))
        .setKeyId(signer.keyId())
        .setSignature(ByteString.copyFrom(hmac(signer.key(), bytes)))
        .build().toByteArray();
    var record = new ProducerRecord<String, byte[]>(topic, built.getExecutionId(), signed);
    TenancyKafka.write(TenantContext.ofExecution(built.getOrg(), built.getExecutionId()), record.headers());
    if (!durable) {
      producer.send(record, (metadata, error) -> {
        if (error != null) {
          log.warn("could not publish {} for attempt {}: {}", built.getPhase(), built.getAttemptId(), error.toString());
        }
      });
      return;
    }
    deliverDurably(record, built);
  }

  /**
   * The end of an attempt must land, or its execution would wait forever with its quota held: it is
   * retried (the producer's own retries, then ours, backing off to 30 s) until the broker takes it.
   * One that can never fit is replaced by a small FAILED event that says why.
   */
  private void deliverDurably(ProducerRecord<String, byte[]> record, TaskEvent built) {
    Duration backoff = Duration.ofSeconds(1);
    while (true) {
      try {
        producer.send(record).get();
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RecordTooLargeException) {
          log.warn("the {} event of attempt {} is {} bytes, too large for the broker: reporting the attempt failed instead",
              built.getPhase(), built.getAttemptId(), record.value().length);
          publish(built.toBuilder().setPhase(TaskPhase.TASK_PHASE_FAILED).setEventId(built.getAttemptId() + "/FAILED")
              .clearOutputsJson().clearLogTail().setReason("the end of this attempt could not be reported: its event was "
                  + record.value().length + " bytes, over the event broker's limit; keep outputs and log lines small"), true);
          return;
        }
        log.warn("could not publish the end of attempt {} ({}); retrying in {} s", built.getAttemptId(), e.getCause().toString(),
            backoff.toSeconds());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
      }
    }
  }

  static byte[] hmac(byte[] key, byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
