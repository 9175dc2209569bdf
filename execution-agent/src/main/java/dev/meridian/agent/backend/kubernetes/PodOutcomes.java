package dev.meridian.agent.backend.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;
import java.util.Set;

/** What a Pod's status means for its attempt. Pure: tested on hand-made Pod statuses. */
final class PodOutcomes {

  private static final Set<String> IMAGE_PULL = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");
  private static final Set<String> BAD_CONFIG = Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");

  private PodOutcomes() {}

  sealed interface Outcome {}

  /** Scheduled or not, the container has not started. */
  record Initializing() implements Outcome {}

  record Running() implements Outcome {}

  record Succeeded(String terminationMessage) implements Outcome {}

  record Failed(Integer exitCode, String reason, java.util.List<String> logTail) implements Outcome {
    Failed(Integer exitCode, String reason) {
      this(exitCode, reason, java.util.List.of());
    }
  }

  /** Not the task's fault (eviction, preemption, node loss): retried as a system retry. */
  record Lost(String reason) implements Outcome {}

  static Outcome of(Pod pod) {
    var status = pod.getStatus();
    String phase = status == null || status.getPhase() == null ? "Pending" : status.getPhase();
    Optional<ContainerStatus> container = status == null || status.getContainerStatuses() == null ? Optional.empty()
        : status.getContainerStatuses().stream().filter(c -> PodManifest.CONTAINER.equals(c.getName())).findFirst();
    String podReason = status == null ? null : status.getReason();
    String podMessage = status == null ? null : status.getMessage();
    return switch (phase) {
      case "Succeeded" -> new Succeeded(container.map(ContainerStatus::getState).map(s -> s.getTerminated())
          .map(ContainerStateTerminated::getMessage).orElse(null));
      case "Failed" -> failed(podReason, podMessage, container, pod);
      case "Running" -> new Running();
      default -> waiting(container);
    };
  }

  private static Outcome waiting(Optional<ContainerStatus> container) {
    ContainerStateWaiting waiting = container.map(ContainerStatus::getState).map(s -> s.getWaiting()).orElse(null);
    if (waiting != null && IMAGE_PULL.contains(waiting.getReason())) {
      return new Failed(null, "the image could not be pulled (" + waiting.getReason() + ")"
          + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()));
    }
    if (waiting != null && BAD_CONFIG.contains(waiting.getReason())) {
      return new Failed(null, "the container could not be created (" + waiting.getReason() + ")"
          + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()));
    }
    return new Initializing();
  }

  private static Outcome failed(String podReason, String podMessage, Optional<ContainerStatus> container, Pod pod) {
    if ("Evicted".equals(podReason) || "Preempting".equals(podReason) || "Shutdown".equals(podReason) || "NodeLost".equals(podReason)
        || "Terminated".equals(podReason)) {
      return new Lost("the pod was " + podReason.toLowerCase() + (podMessage == null ? "" : ": " + podMessage));
    }
    if ("DeadlineExceeded".equals(podReason)) {
      Long deadline = pod.getSpec() == null ? null : pod.getSpec().getActiveDeadlineSeconds();
      return new Failed(null, "timed out after " + (deadline == null ? "its deadline" : deadline + " s"));
    }
    ContainerStateTerminated terminated = container.map(ContainerStatus::getState).map(s -> s.getTerminated()).orElse(null);
    if (terminated == null) {
      return new Failed(null, "the pod failed" + (podReason == null ? "" : " (" + podReason + ")") + (podMessage == null ? "" : ": " + podMessage));
    }
    if ("OOMKilled".equals(terminated.getReason())) {
      String limit = pod.getSpec() == null ? "" : pod.getSpec().getContainers().stream()
          .filter(c -> PodManifest.CONTAINER.equals(c.getName()) && c.getResources() != null && c.getResources().getLimits() != null)
          .map(c -> " of " + c.getResources().getLimits().get("memory")).findFirst().orElse("");
      return new Failed(terminated.getExitCode(), "killed for running out of memory (limit" + limit + "); ask for more memory");
    }
    // With FallbackToLogsOnError the termination message of a failed container is the end of its log.
    String message = terminated.getMessage() == null ? "" : terminated.getMessage().strip();
    java.util.List<String> lines = message.isEmpty() ? java.util.List.of() : message.lines().toList();
    return new Failed(terminated.getExitCode(), "the task exited with code " + terminated.getExitCode(),
        lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
