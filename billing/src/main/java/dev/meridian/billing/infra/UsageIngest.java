package dev.meridian.billing.infra;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.billing.usage.UsageLedger;
import dev.meridian.proto.usage.v1.UsageRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Reads the usage topic and stores every record exactly once. Kafka's own offsets are not used:
 * the next offset of each partition is stored in billing's database in the transaction that stores
 * the records before it ("storing offsets outside Kafka"), and on assignment the consumer seeks
 * there. A billing killed mid-batch rolls the batch back and reads it again; a record delivered
 * twice (the router republished it, or partitions moved) is recognised by its id.
 */
class UsageIngest implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(UsageIngest.class);

  private final Map<String, Object> consumerProperties;
  private final String topic;
  private final UsageLedger ledger;
  private final Clock clock;
  private final Counter stored;
  private final Counter duplicates;
  private final Counter unreadable;
  private final Timer lag;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile Thread thread;
  private volatile boolean running;

  UsageIngest(Map<String, Object> consumerProperties, String topic, UsageLedger ledger, Clock clock, MeterRegistry meters) {
    this.consumerProperties = new HashMap<>(consumerProperties);
    this.consumerProperties.put("enable.auto.commit", false);
    this.consumerProperties.put("isolation.level", "read_committed");
    this.consumerProperties.put("auto.offset.reset", "earliest");
    this.topic = topic;
    this.ledger = ledger;
    this.clock = clock;
    this.stored = Counter.builder("meridian.billing.usage.records").tag("outcome", "stored").register(meters);
    this.duplicates = Counter.builder("meridian.billing.usage.records").tag("outcome", "duplicate").register(meters);
    this.unreadable = Counter.builder("meridian.billing.usage.records").tag("outcome", "unreadable").register(meters);
    this.lag = Timer.builder("meridian.billing.usage.lag").description("From a record's append to the usage topic to its storing in billing's aggregates")
        .publishPercentiles(0.5, 0.99).register(meters);
  }

  @Override
  public void start() {
    running = true;
    thread = Thread.ofPlatform().name("usage-ingest").start(this::run);
  }

  /**
   * Consumes until stopped. A consumer that fails (the topic not created yet, not authorized yet,
   * the broker gone) is closed and a new one starts a few seconds later from the stored positions:
   * billing falls behind, it never stops counting.
   */
  private void run() {
    while (running) {
      consumer = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer());
      try {
        consume();
      } catch (WakeupException stopping) {
        // stop() woke the consumer up.
      } catch (RuntimeException e) {
        log.warn("usage ingest failed, starting again in 5 s: {}", e.toString());
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
      } finally {
        consumer.close();
      }
    }
  }

  private void consume() {
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        rewind(partitions);
      }

      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // Nothing to commit: positions are stored with the records.
      }
    });
    while (running) {
      ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
      if (!batch.isEmpty() && !store(batch)) {
        rewind(batch.partitions());
      }
    }
  }

  /** Stores one polled batch; false when the transaction failed and nothing of it was kept. */
  private boolean store(ConsumerRecords<String, byte[]> batch) {
    List<UsageRecord> records = new ArrayList<>(batch.count());
    List<UsageLedger.Position> positions = new ArrayList<>();
    for (TopicPartition partition : batch.partitions()) {
      List<ConsumerRecord<String, byte[]>> inPartition = batch.records(partition);
      for (ConsumerRecord<String, byte[]> record : inPartition) {
        try {
          records.add(UsageRecord.parseFrom(record.value()));
        } catch (InvalidProtocolBufferException e) {
          unreadable.increment();
          log.warn("skipped an unreadable usage record at {}-{}@{}", record.topic(), record.partition(), record.offset());
        }
      }
      positions.add(new UsageLedger.Position(topic, partition.partition(), inPartition.getLast().offset() + 1));
    }
    try {
      UsageLedger.Stored result = ledger.store(records, positions);
      stored.increment(result.fresh());
      duplicates.increment(result.duplicates());
      long now = clock.millis();
      for (ConsumerRecord<String, byte[]> record : batch) {
        lag.record(Duration.ofMillis(Math.max(0, now - record.timestamp())));
      }
      return true;
    } catch (RuntimeException e) {
      log.warn("could not store {} usage records, reading them again: {}", records.size(), e.toString());
      return false;
    }
  }

  /**
   * Puts the partitions at their stored positions: on assignment, and after a batch that was not
   * stored, so it is read again rather than skipped. Waits for the database as long as it takes.
   */
  private void rewind(Collection<TopicPartition> partitions) {
    while (running) {
      try {
        Map<Integer, Long> stored = ledger.positions(topic);
        for (TopicPartition partition : partitions) {
          Long next = stored.get(partition.partition());
          if (next == null) {
            consumer.seekToBeginning(List.of(partition));
          } else {
            consumer.seek(partition, next);
          }
        }
        return;
      } catch (RuntimeException e) {
        log.warn("cannot read the stored positions yet: {}", e.toString());
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
      }
    }
  }

  @Override
  public void stop() {
    running = false;
    KafkaConsumer<String, byte[]> current = consumer;
    if (current != null) {
      current.wakeup();
    }
    Thread worker = thread;
    if (worker != null) {
      try {
        worker.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
