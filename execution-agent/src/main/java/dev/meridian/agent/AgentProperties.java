package dev.meridian.agent;

import jakarta.validation.constraints.NotBlank;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param token the cluster token shown once when the cluster was registered
 * @param routerTarget host:port of cluster-router's agent endpoint (TLS), or several ({@code host:port,host:port}): the
 *     stream goes to the first that answers and moves to the next when its router goes away
 * @param caBundle PEM bundle the certificates of the agent endpoint and of the Kafka brokers must
 *     chain to; unset, the JVM's trust store (publicly signed endpoints)
 * @param backend {@code kubernetes} (one Pod per attempt), {@code process} (local processes) or
 *     {@code simulated} (load tests, GPU demos)
 * @param workDir where each attempt of the process backend gets its own working directory and log
 * @param capacity what this cluster can run at once; the process backend defaults to this machine's CPUs
 * @param labels labels placement can select on
 * @param simulation how simulated attempts behave
 * @param maxLogSize an attempt of the process backend whose log grows past this is stopped and failed
 * @param drainTimeout on SIGTERM, how long running attempts may finish before they are stopped
 *     (and lost, to be retried elsewhere); Kubernetes Pods outlive the agent, so it does not wait
 */
@Validated
@ConfigurationProperties("meridian.agent")
public record AgentProperties(
    @NotBlank(message = "set meridian.agent.token (or MERIDIAN_AGENT_TOKEN) to the cluster token shown when the cluster was registered")
    String token,
    @NotBlank String routerTarget,
    Path caBundle,
    String backend,
    Path workDir,
    CapacityProperties capacity,
    Map<String, String> labels,
    Duration reconnectMaxBackoff,
    String taskEventsTopic,
    Simulation simulation,
    Kubernetes kubernetes,
    Duration drainTimeout,
    org.springframework.util.unit.DataSize maxLogSize) {

  public AgentProperties {
    backend = backend == null || backend.isBlank() ? "process" : backend;
    workDir = workDir == null ? Path.of(System.getProperty("java.io.tmpdir"), "meridian-agent") : workDir;
    capacity = capacity == null ? new CapacityProperties(0, 0, Map.of()) : capacity;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    reconnectMaxBackoff = reconnectMaxBackoff == null ? Duration.ofSeconds(5) : reconnectMaxBackoff;
    taskEventsTopic = taskEventsTopic == null || taskEventsTopic.isBlank() ? "meridian.task-events.v1" : taskEventsTopic;
    simulation = simulation == null ? new Simulation(null, 0.5, 0.0) : simulation;
    kubernetes = kubernetes == null ? new Kubernetes(null, null, null) : kubernetes;
    drainTimeout = drainTimeout == null ? Duration.ofSeconds(10) : drainTimeout;
    maxLogSize = maxLogSize == null ? org.springframework.util.unit.DataSize.ofGigabytes(1) : maxLogSize;
  }

  /**
   * @param namespace where attempt Pods run (the chart's release namespace)
   * @param gpuNodeLabel the node label whose value is the node's GPU type, e.g. {@code nvidia-h100}
   * @param retention how long finished Pods are kept for inspection before they are deleted
   */
  public record Kubernetes(String namespace, String gpuNodeLabel, Duration retention) {
    public Kubernetes {
      namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
      gpuNodeLabel = gpuNodeLabel == null || gpuNodeLabel.isBlank() ? "meridian.dev/gpu-type" : gpuNodeLabel;
      retention = retention == null ? Duration.ofMinutes(10) : retention;
    }
  }

  /** 0 means: what this machine has (process backend) or none (simulated). */
  public record CapacityProperties(long milliCpu, long memoryMib, Map<String, Integer> gpus) {
    public CapacityProperties {
      gpus = gpus == null ? Map.of() : Map.copyOf(gpus);
    }
  }

  /**
   * @param duration mean run time of a simulated attempt
   * @param jitter attempts take uniformly between duration·(1−jitter) and duration·(1+jitter)
   * @param failureRate share of attempts that fail (exit code 1)
   */
  public record Simulation(Duration duration, double jitter, double failureRate) {
    public Simulation {
      duration = duration == null ? Duration.ofSeconds(3) : duration;
    }
  }
}
