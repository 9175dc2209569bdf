package dev.meridian.router.usage;

import dev.meridian.proto.usage.v1.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Meters what runs and publishes what was metered. A record is marked published only after Kafka
 * acknowledged it; a router killed in between publishes it again, with the same record id, and
 * billing counts it once.
 */
@Component
class UsagePublisher {

  private static final Logger log = LoggerFactory.getLogger(UsagePublisher.class);
  private static final int BATCH = 500;

  private final UsageOutbox outbox;
  private final KafkaTemplate<String, byte[]> kafka;
  private final UsageProperties properties;

  UsagePublisher(UsageOutbox outbox, KafkaTemplate<String, byte[]> kafka, UsageProperties properties) {
    this.outbox = outbox;
    this.kafka = kafka;
    this.properties = properties;
  }

  @Scheduled(fixedDelayString = "${meridian.router.usage.cut-every:10s}")
  void cutLongReservations() {
    int cut;
    do {
      cut = outbox.cutHeldLongerThan(properties.interval(), BATCH);
      if (cut > 0) {
        log.debug("metered {} reservations held longer than {}", cut, properties.interval());
      }
    } while (cut == BATCH);
  }

  @Scheduled(fixedDelayString = "${meridian.router.usage.publish-every:500ms}")
  void publish() {
    List<UsageRecord> records;
    do {
      records = outbox.lease(properties.lease(), BATCH);
      if (records.isEmpty()) {
        return;
      }
      CompletableFuture<?>[] sent = records.stream()
          .map(record -> kafka.send(new ProducerRecord<>(properties.topic(), record.getOrg(), record.toByteArray())))
          .toArray(CompletableFuture[]::new);
      try {
        CompletableFuture.allOf(sent).get(properties.lease().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // The lease runs out and the records are published again: billing keeps the first copy.
        log.warn("could not publish {} usage records to {}: {}", records.size(), properties.topic(), e.toString());
        return;
      }
      outbox.published(records.stream().map(UsageRecord::getRecordId).toList());
    } while (records.size() == BATCH);
  }
}
