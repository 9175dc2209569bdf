package dev.meridian.agent;

import dev.meridian.agent.backend.ProcessBackend;
import dev.meridian.agent.backend.SimulatedBackend;
import dev.meridian.agent.backend.TaskBackend;
import dev.meridian.agent.backend.kubernetes.KubernetesBackend;
import dev.meridian.agent.backend.kubernetes.KubernetesCapacity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.springframework.beans.factory.ObjectProvider;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.agent.stream.AgentIdentity;
import dev.meridian.agent.stream.RouterConnection;
import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.identity.ClusterCredentials;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
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

  /**
   * Task events go out as this cluster's own Kafka principal (named after the token, whose password
   * the token is), over TLS: the principal may write task events and do nothing else.
   */
  @Bean(destroyMethod = "close")
  Producer<String, byte[]> taskEventProducer(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers, AgentProperties properties) {
    Map<String, Object> settings = new java.util.HashMap<>(ClusterCredentials.kafkaClient(
        ClusterCredentials.kafkaUsername(properties.token()), properties.token(), properties.caBundle()));
    settings.putAll(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.CLIENT_ID_CONFIG, "execution-agent"));
    return new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
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
  TaskBackend taskBackend(AgentProperties properties, KafkaAttemptReporter reporter, ObjectProvider<KubernetesClient> kubernetes) {
    return switch (properties.backend()) {
      case "kubernetes" -> {
        var settings = properties.kubernetes();
        KubernetesBackend backend = new KubernetesBackend(kubernetes.getObject(), settings.namespace(), settings.gpuNodeLabel(),
            settings.retention(), reporter).watch();
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("pod-cleanup").factory())
            .scheduleWithFixedDelay(backend::cleanUp, 1, 1, TimeUnit.MINUTES);
        yield backend;
      }
      case "process" -> {
        ProcessBackend backend = new ProcessBackend(properties.workDir(), reporter, properties.maxLogSize().toBytes());
        backend.killOrphans();
        yield backend;
      }
      case "simulated" -> new SimulatedBackend(reporter, Executors.newSingleThreadScheduledExecutor(),
          properties.simulation().duration(), properties.simulation().jitter(), properties.simulation().failureRate());
      default -> throw new IllegalArgumentException(
          "meridian.agent.backend must be 'process', 'simulated' or 'kubernetes', not '" + properties.backend() + "'");
    };
  }

  /** In-cluster configuration (service account), or ~/.kube/config outside a cluster. */
  @Bean(destroyMethod = "close")
  @org.springframework.context.annotation.Lazy
  KubernetesClient kubernetesClient() {
    return new KubernetesClientBuilder().build();
  }

  /**
   * Kubernetes: node allocatable (schedulable nodes; GPUs by the GPU-type node label). The process
   * backend defaults to this machine's CPUs and memory; a simulated cluster has what it is told.
   */
  static Capacity capacity(AgentProperties properties, ObjectProvider<KubernetesClient> kubernetes) {
    if (properties.backend().equals("kubernetes")) {
      return KubernetesCapacity.of(kubernetes.getObject().nodes().list().getItems(), properties.kubernetes().gpuNodeLabel());
    }
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
    return ServiceChannels.toAgentEndpoint(properties.routerTarget(), properties.caBundle(), TenancyGrpc.clientInterceptor());
  }

  @Bean
  RouterConnection routerConnection(ManagedChannel routerChannel, TaskBackend backend, KafkaAttemptReporter reporter,
      AgentIdentity identity, AgentProperties properties, ObjectProvider<KubernetesClient> kubernetes) {
    return new RouterConnection(routerChannel, backend, reporter, identity, properties.token(), properties.routerTarget(),
        capacity(properties, kubernetes), properties.labels(), properties.reconnectMaxBackoff())
        .drainTimeout(properties.backend().equals("kubernetes") ? java.time.Duration.ZERO : properties.drainTimeout());
  }
}
