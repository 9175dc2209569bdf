package dev.meridian.agent.backend.kubernetes;

import dev.meridian.agent.backend.AttemptReporter;
import dev.meridian.agent.backend.OutputCheck;
import dev.meridian.agent.backend.TaskBackend;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Resources;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pod per attempt in the agent's namespace, watched with an informer. Pods carry their
 * assignment, so after a restart the agent rebuilds what it runs from the Pods it finds; phases
 * are re-reported then, which the router drops as duplicates. Cancel deletes the Pod; finished
 * Pods are deleted after a retention period.
 */
public final class KubernetesBackend implements TaskBackend {

  private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String gpuNodeLabel;
  private final Duration retention;
  private final AttemptReporter reporter;
  private final Map<String, Tracked> attempts = new ConcurrentHashMap<>();
  private SharedIndexInformer<Pod> informer;

  private static final class Tracked {
    final Assignment assignment;
    volatile String reported;
    volatile boolean ended;
    volatile String cancelledBecause;
    volatile Instant endedAt;

    Tracked(Assignment assignment) {
      this.assignment = assignment;
    }
  }

  public KubernetesBackend(KubernetesClient client, String namespace, String gpuNodeLabel, Duration retention, AttemptReporter reporter) {
    this.client = client;
    this.namespace = namespace;
    this.gpuNodeLabel = gpuNodeLabel;
    this.retention = retention;
    this.reporter = reporter;
  }

  /** Starts the informer; its first listing rebuilds the attempts a previous run of the agent started. */
  public KubernetesBackend watch() {
    informer = client.pods().inNamespace(namespace).withLabel(PodManifest.MANAGED_BY, PodManifest.AGENT)
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(Pod pod) { observe(pod); }
          @Override public void onUpdate(Pod before, Pod pod) { observe(pod); }
          @Override public void onDelete(Pod pod, boolean finalStateUnknown) { deleted(pod); }
        }, 0);
    return this;
  }

  @Override
  public void start(Assignment assignment, dev.meridian.agent.backend.AttemptSecrets secrets) {
    if (attempts.putIfAbsent(assignment.getAttemptId(), new Tracked(assignment)) != null) {
      return;
    }
    Pod pod = PodManifest.forAttempt(assignment, namespace, gpuNodeLabel,
        secrets.values().stream().map(dev.meridian.agent.backend.AttemptSecrets.Value::mount).toList());
    try {
      Pod created = client.pods().inNamespace(namespace).resource(pod).create();
      if (!secrets.values().isEmpty()) {
        try {
          createSecret(created, secrets);
        } catch (KubernetesClientException e) {
          // Without its Secret the Pod would wait forever; remove it and fail the attempt.
          client.pods().inNamespace(namespace).withName(created.getMetadata().getName()).delete();
          throw e;
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return;
      }
      Tracked tracked = attempts.get(assignment.getAttemptId());
      tracked.ended = true;
      tracked.endedAt = Instant.now();
      reporter.failed(assignment, null, "could not create the pod: " + e.getMessage(), List.of(), logsUri(pod));
    }
  }

  private void observe(Pod pod) {
    String attemptId = pod.getMetadata().getAnnotations().get(PodManifest.ATTEMPT_ID);
    if (attemptId == null) {
      return;
    }
    Tracked tracked = attempts.computeIfAbsent(attemptId, id -> new Tracked(PodManifest.assignmentOf(pod)));
    if (tracked.ended) {
      return;
    }
    Assignment assignment = tracked.assignment;
    switch (PodOutcomes.of(pod)) {
      case PodOutcomes.Initializing initializing -> once(tracked, "INITIALIZING", () -> reporter.initializing(assignment));
      case PodOutcomes.Running running -> {
        once(tracked, "INITIALIZING", () -> reporter.initializing(assignment));
        once(tracked, "RUNNING", () -> reporter.running(assignment, logsUri(pod)));
      }
      case PodOutcomes.Succeeded succeeded -> end(tracked, () -> {
        switch (OutputCheck.check(assignment.getTask().getInterfaceJson(), succeeded.terminationMessage())) {
          case OutputCheck.Valid valid -> reporter.succeeded(assignment, valid.outputsJson(), logsUri(pod));
          case OutputCheck.Invalid invalid -> reporter.failed(assignment, 0, invalid.reason(), List.of(), logsUri(pod));
        }
      });
      case PodOutcomes.Failed failed -> {
        end(tracked, () -> reporter.failed(assignment, failed.exitCode(), failed.reason(), failed.logTail(), logsUri(pod)));
        if (failed.exitCode() == null && !"Failed".equals(pod.getStatus() == null ? null : pod.getStatus().getPhase())) {
          // Stuck before starting (e.g. an image that cannot be pulled): the pod would retry forever.
          delete(pod.getMetadata().getName());
        }
      }
      case PodOutcomes.Lost lost -> end(tracked, () -> reporter.lost(assignment, lost.reason()));
    }
  }

  private void deleted(Pod pod) {
    String attemptId = pod.getMetadata().getAnnotations().get(PodManifest.ATTEMPT_ID);
    Tracked tracked = attemptId == null ? null : attempts.get(attemptId);
    if (tracked == null) {
      return;
    }
    if (!tracked.ended) {
      String reason = tracked.cancelledBecause;
      end(tracked, () -> {
        if (reason != null) {
          reporter.aborted(tracked.assignment, reason, logsUri(pod));
        } else {
          reporter.lost(tracked.assignment, "the pod was deleted by someone else");
        }
      });
    }
    attempts.remove(attemptId);
  }

  private static void once(Tracked tracked, String phase, Runnable report) {
    if (!phase.equals(tracked.reported) && !("INITIALIZING".equals(phase) && "RUNNING".equals(tracked.reported))) {
      report.run();
      tracked.reported = phase;
    }
  }

  private static synchronized void end(Tracked tracked, Runnable report) {
    if (!tracked.ended) {
      tracked.ended = true;
      tracked.endedAt = Instant.now();
      report.run();
    }
  }

  /**
   * The attempt's secret values as a Secret owned by its Pod, so Kubernetes deletes it with the Pod.
   * The Pod is created first (its uid is the owner); its container waits until the Secret exists.
   */
  private void createSecret(Pod pod, dev.meridian.agent.backend.AttemptSecrets secrets) {
    Map<String, String> values = new java.util.LinkedHashMap<>();
    secrets.values().forEach(secret -> values.put(secret.mount().name(), secret.value()));
    client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName(PodManifest.secretName(pod.getMetadata().getName())).withNamespace(namespace)
          .addToLabels(PodManifest.MANAGED_BY, PodManifest.AGENT)
          .addNewOwnerReference().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid()).withBlockOwnerDeletion(true).endOwnerReference()
        .endMetadata()
        .withType("Opaque").withImmutable(true).withStringData(values).build()).create();
  }

  @Override
  public void cancel(String attemptId, String reason) {
    Tracked tracked = attempts.get(attemptId);
    if (tracked != null && !tracked.ended) {
      tracked.cancelledBecause = reason == null || reason.isBlank() ? "cancelled" : reason;
      delete(PodManifest.podName(attemptId));
    }
  }

  /** Deletes Pods of attempts that ended more than the retention period ago. */
  public void cleanUp() {
    Instant cutoff = Instant.now().minus(retention);
    attempts.forEach((id, tracked) -> {
      if (tracked.ended && tracked.endedAt != null && tracked.endedAt.isBefore(cutoff)) {
        delete(PodManifest.podName(id));
        attempts.remove(id);
      }
    });
  }

  private void delete(String podName) {
    try {
      client.pods().inNamespace(namespace).withName(podName).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete pod {}: {}", podName, e.getMessage());
    }
  }

  @Override
  public Set<String> running() {
    return attempts.entrySet().stream().filter(e -> !e.getValue().ended).map(Map.Entry::getKey).collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public Map<String, Resources> runningRequests() {
    return attempts.entrySet().stream().filter(e -> !e.getValue().ended)
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().assignment.getTask().getResources()));
  }

  /** Pods keep running while the agent is away; a restarted agent picks them up again. */
  @Override
  public void stop() {
    if (informer != null) {
      informer.stop();
    }
  }

  private String logsUri(Pod pod) {
    return "k8s://" + namespace + "/pods/" + pod.getMetadata().getName() + "/" + PodManifest.CONTAINER;
  }
}
