package dev.meridian.agent;

import dev.meridian.agent.backend.ProcessBackend;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.agent.stream.RouterConnection;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class AgentConfig {

  @Bean(destroyMethod = "close")
  Producer<String, byte[]> taskEventProducer(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.CLIENT_ID_CONFIG, "execution-agent"),
        new StringSerializer(), new ByteArraySerializer());
  }

  @Bean
  KafkaAttemptReporter attemptReporter(Producer<String, byte[]> producer, AgentProperties properties) {
    return new KafkaAttemptReporter(producer, properties);
  }

  @Bean(destroyMethod = "stop")
  ProcessBackend processBackend(AgentProperties properties, KafkaAttemptReporter reporter) {
    ProcessBackend backend = new ProcessBackend(properties.workDir(), reporter);
    backend.killOrphans();
    return backend;
  }

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel routerChannel(AgentProperties properties) {
    return NettyChannelBuilder.forTarget(properties.routerTarget())
        .usePlaintext()
        .keepAliveTime(20, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .intercept(TenancyGrpc.clientInterceptor())
        .build();
  }

  @Bean
  RouterConnection routerConnection(ManagedChannel routerChannel, ProcessBackend backend, KafkaAttemptReporter reporter,
      AgentProperties properties) {
    return new RouterConnection(routerChannel, backend, reporter, properties);
  }
}
