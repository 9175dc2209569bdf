package dev.meridian.agent;

import dev.meridian.agent.backend.ProcessBackend;
import dev.meridian.agent.backend.SimulatedBackend;
import dev.meridian.agent.backend.TaskBackend;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.agent.stream.AgentIdentity;
import dev.meridian.agent.stream.RouterConnection;
import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.Executors;
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
  AgentIdentity agentIdentity() {
    return new AgentIdentity();
  }

  @Bean
  KafkaAttemptReporter attemptReporter(Producer<String, byte[]> producer, AgentProperties properties, AgentIdentity identity) {
    return new KafkaAttemptReporter(producer, properties.taskEventsTopic(), identity);
  }

  @Bean(destroyMethod = "stop")
  TaskBackend taskBackend(AgentProperties properties, KafkaAttemptReporter reporter) {
    return switch (properties.backend()) {
      case "process" -> {
        ProcessBackend backend = new ProcessBackend(properties.workDir(), reporter);
        backend.killOrphans();
        yield backend;
      }
      case "simulated" -> new SimulatedBackend(reporter, Executors.newSingleThreadScheduledExecutor(),
          properties.simulation().duration(), properties.simulation().jitter(), properties.simulation().failureRate());
      default -> throw new IllegalArgumentException("meridian.agent.backend must be 'process' or 'simulated', not '" + properties.backend() + "'");
    };
  }

  /** The process backend defaults to this machine's CPUs and memory; a simulated cluster has what it is told. */
  static Capacity capacity(AgentProperties properties) {
    var configured = properties.capacity();
    boolean process = properties.backend().equals("process");
    long cpu = configured.milliCpu() > 0 ? configured.milliCpu() : process ? Runtime.getRuntime().availableProcessors() * 1000L : 64_000;
    long memory = configured.memoryMib() > 0 ? configured.memoryMib()
        : process ? physicalMemoryMiB() : 512 * 1024;
    return Capacity.newBuilder().setMilliCpu(cpu).setMemoryMib(memory).putAllGpus(configured.gpus()).build();
  }

  private static long physicalMemoryMiB() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean bean ? bean.getTotalMemorySize() / (1024 * 1024) : 8192;
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
  RouterConnection routerConnection(ManagedChannel routerChannel, TaskBackend backend, KafkaAttemptReporter reporter,
      AgentIdentity identity, AgentProperties properties) {
    return new RouterConnection(routerChannel, backend, reporter, identity, properties.token(), properties.routerTarget(),
        capacity(properties), properties.labels(), properties.reconnectMaxBackoff());
  }
}
