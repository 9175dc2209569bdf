package dev.meridian.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded broker is secured like a hosted one: no anonymous or plaintext client, and ACLs decide. */
class KafkaAccessIT {

  private static final KafkaBroker KAFKA = Infrastructure.shared().kafka();
  private static final String TOPIC = "meridian.access-it." + System.nanoTime();

  @BeforeAll
  static void topic() throws Exception {
    try (Admin admin = Admin.create(KAFKA.clientProperties(KafkaBroker.ADMIN))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    KAFKA.ensurePrincipal("writer-only", KafkaBroker.onTopics("writer-only", TOPIC, AclOperation.WRITE, AclOperation.DESCRIBE));
  }

  private static Map<String, Object> quick(Map<String, Object> settings) {
    Map<String, Object> quick = new HashMap<>(settings);
    quick.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    quick.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    quick.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    return quick;
  }

  private static void send(Map<String, Object> settings) throws Exception {
    try (var producer = new KafkaProducer<>(quick(settings), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void refusesAnAnonymousPlaintextClient() {
    assertThatThrownBy(() -> send(Map.of("bootstrap.servers", KAFKA.bootstrapServers())))
        .hasStackTraceContaining("Timeout");
  }

  @Test
  void refusesAWrongPassword() {
    assertThatThrownBy(() -> send(KAFKA.clientProperties("writer-only", "not-the-password")))
        .hasRootCauseInstanceOf(AuthenticationException.class);
  }

  @Test
  void aWriteOnlyPrincipalWritesButCannotRead() throws Exception {
    send(KAFKA.clientProperties("writer-only"));

    Map<String, Object> consumer = new HashMap<>(KAFKA.clientProperties("writer-only"));
    consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "snoop");
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (var reader = new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer())) {
      reader.subscribe(List.of(TOPIC));
      assertThatThrownBy(() -> {
        for (int i = 0; i < 20; i++) {
          reader.poll(Duration.ofMillis(500));
        }
      }).isInstanceOfAny(GroupAuthorizationException.class, TopicAuthorizationException.class);
    }
  }

  @Test
  void aPrincipalCannotWriteATopicItWasNotGranted() {
    assertThatThrownBy(() -> {
      try (var producer = new KafkaProducer<>(quick(KAFKA.clientProperties("writer-only")), new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("meridian.execution-events.v1", "k", "v")).get(20, TimeUnit.SECONDS);
      }
    }).hasStackTraceContaining("TopicAuthorizationException");
  }

  @Test
  void theAdminSeesItsPrincipals() throws Exception {
    try (Admin admin = Admin.create(KAFKA.clientProperties(KafkaBroker.ADMIN))) {
      assertThat(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS)).containsKey("writer-only");
    }
  }
}
