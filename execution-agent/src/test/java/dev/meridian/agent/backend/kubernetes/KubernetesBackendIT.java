package dev.meridian.agent.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.agent.backend.RecordingReporter;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kubernetes backend against fabric8's mock API server in CRUD mode; the test plays the kubelet by writing Pod status. */
@EnableKubernetesMockClient(crud = true)
class KubernetesBackendIT {

  private static final String NAMESPACE = "meridian-work";
  private static final String POD = "mrd-xabc-train-2";

  KubernetesClient client;
  private final RecordingReporter reports = new RecordingReporter();
  private KubernetesBackend backend;

  @BeforeEach
  void start() {
    backend = new KubernetesBackend(client, NAMESPACE, "meridian.dev/gpu-type", Duration.ofMinutes(10), reports).watch();
  }

  @AfterEach
  void stop() {
    backend.stop();
  }

  private Pod awaitPod() {
    await().until(() -> client.pods().inNamespace(NAMESPACE).withName(POD).get() != null);
    return client.pods().inNamespace(NAMESPACE).withName(POD).get();
  }

  /** What the kubelet would do: write the Pod's status. */
  private void kubelet(UnaryOperator<PodStatusBuilder> status) {
    Pod pod = client.pods().inNamespace(NAMESPACE).withName(POD).get();
    pod.setStatus(status.apply(new PodStatusBuilder()).build());
    client.pods().inNamespace(NAMESPACE).resource(pod).update();
  }

  private static ContainerStatusBuilder task() {
    return new ContainerStatusBuilder().withName("task").withImage("ghcr.io/acme/train:7");
  }

  private List<String> phases() {
    return reports.all.stream().map(RecordingReporter.Report::phase).toList();
  }

  @Test
  void succeedsWithTheOutputsFromTheTerminationMessage() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();

    kubelet(s -> s.withPhase("Running").withContainerStatuses(task().withNewState().withNewRunning().endRunning().endState().build()));
    await().until(() -> phases().contains("RUNNING"));
    kubelet(s -> s.withPhase("Succeeded").withContainerStatuses(task().withNewState().withNewTerminated()
        .withExitCode(0).withReason("Completed").withMessage("{\"accuracy\": 0.93}").endTerminated().endState().build()));

    await().until(() -> phases().contains("SUCCEEDED"));
    assertThat(phases()).containsExactly("INITIALIZING", "RUNNING", "SUCCEEDED");
    assertThat(reports.last().detail()).isEqualTo("{\"accuracy\":0.93}");
    assertThat(backend.running()).isEmpty();
  }

  @Test
  void secretsReachThePodThroughASecretItOwnsAndThePodSpecHoldsNoValue() {
    var secrets = new dev.meridian.agent.backend.AttemptSecrets(java.util.List.of(
        new dev.meridian.agent.backend.AttemptSecrets.Value(new dev.meridian.workflow.SecretMount("hub-token",
            dev.meridian.workflow.SecretMount.Delivery.ENV, "HF_TOKEN", null), "hf_value"),
        new dev.meridian.agent.backend.AttemptSecrets.Value(new dev.meridian.workflow.SecretMount("gcs-key",
            dev.meridian.workflow.SecretMount.Delivery.FILE, null, "/etc/gcs/key.json"), "{\"private_key\": \"k\"}")));

    backend.start(PodManifestTest.trainOnTwoH100s(), secrets);
    Pod pod = awaitPod();
    await().until(() -> client.secrets().inNamespace(NAMESPACE).withName(POD + "-secrets").get() != null);
    var secret = client.secrets().inNamespace(NAMESPACE).withName(POD + "-secrets").get();

    assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.getKind()).isEqualTo("Pod");
      assertThat(owner.getUid()).isEqualTo(pod.getMetadata().getUid());
    });
    var keys = new java.util.HashSet<String>();
    if (secret.getData() != null) {
      keys.addAll(secret.getData().keySet());
    }
    if (secret.getStringData() != null) {
      keys.addAll(secret.getStringData().keySet());
    }
    assertThat(keys).as("the values are in the Secret").containsExactlyInAnyOrder("hub-token", "gcs-key");
    assertThat(secret.getImmutable()).isTrue();
    var container = pod.getSpec().getContainers().getFirst();
    assertThat(container.getEnv()).anySatisfy(env -> {
      assertThat(env.getName()).isEqualTo("HF_TOKEN");
      assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("hub-token");
    });
    assertThat(container.getVolumeMounts()).anySatisfy(mount -> {
      assertThat(mount.getMountPath()).isEqualTo("/etc/gcs/key.json");
      assertThat(mount.getSubPath()).isEqualTo("gcs-key");
    });
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(pod)).doesNotContain("hf_value", "private_key");
  }

  @Test
  void aNonZeroExitFailsWithTheCodeAndTheEndOfTheLog() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();

    kubelet(s -> s.withPhase("Failed").withContainerStatuses(task().withNewState().withNewTerminated()
        .withExitCode(2).withReason("Error").withMessage("loading data\nKeyError: 'label'").endTerminated().endState().build()));

    await().until(() -> phases().contains("FAILED"));
    assertThat(reports.last().exitCode()).isEqualTo(2);
    assertThat(reports.last().logTail()).containsExactly("loading data", "KeyError: 'label'");
  }

  @Test
  void anOutOfMemoryKillSaysSoAndNamesTheLimit() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();

    kubelet(s -> s.withPhase("Failed").withContainerStatuses(task().withNewState().withNewTerminated()
        .withExitCode(137).withReason("OOMKilled").endTerminated().endState().build()));

    await().until(() -> phases().contains("FAILED"));
    assertThat(reports.last().detail()).contains("out of memory", "65536Mi");
  }

  @Test
  void anImageThatCannotBePulledFailsTheAttemptAndRemovesThePod() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();

    kubelet(s -> s.withPhase("Pending").withContainerStatuses(task().withNewState().withNewWaiting()
        .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"ghcr.io/acme/train:7\"").endWaiting().endState().build()));

    await().until(() -> phases().contains("FAILED"));
    assertThat(reports.last().detail()).contains("could not be pulled", "ImagePullBackOff");
    await().until(() -> client.pods().inNamespace(NAMESPACE).withName(POD).get() == null);
  }

  @Test
  void anEvictionIsALossForTheRouterToRetry() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();

    kubelet(s -> s.withPhase("Failed").withReason("Evicted").withMessage("The node was low on resource: memory."));

    await().until(() -> phases().contains("LOST"));
    assertThat(reports.last().detail()).contains("evicted", "low on resource");
  }

  @Test
  void cancelDeletesThePodAndEndsTheAttemptAborted() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();
    kubelet(s -> s.withPhase("Running"));
    await().until(() -> phases().contains("RUNNING"));

    backend.cancel("xabc/train/2", "terminated by user");

    await().until(() -> phases().contains("ABORTED"));
    assertThat(reports.last().detail()).isEqualTo("terminated by user");
    assertThat(client.pods().inNamespace(NAMESPACE).withName(POD).get()).isNull();
  }

  @Test
  void aRestartedAgentRebuildsItsAttemptsFromThePodsAndReportsTheirEnd() {
    backend.start(PodManifestTest.trainOnTwoH100s());
    awaitPod();
    kubelet(s -> s.withPhase("Running"));
    await().until(() -> phases().contains("RUNNING"));
    backend.stop();

    RecordingReporter afterRestart = new RecordingReporter();
    KubernetesBackend restarted = new KubernetesBackend(client, NAMESPACE, "meridian.dev/gpu-type", Duration.ofMinutes(10), afterRestart).watch();
    try {
      await().until(() -> restarted.running().contains("xabc/train/2"));
      assertThat(restarted.runningRequests().get("xabc/train/2").getGpus()).isEqualTo(2);
      kubelet(s -> s.withPhase("Succeeded").withContainerStatuses(task().withNewState().withNewTerminated()
          .withExitCode(0).withMessage("{\"accuracy\": 0.5}").endTerminated().endState().build()));

      await().until(() -> afterRestart.all.stream().anyMatch(r -> r.phase().equals("SUCCEEDED")));
      assertThat(afterRestart.last().detail()).isEqualTo("{\"accuracy\":0.5}");
    } finally {
      restarted.stop();
    }
  }
}
