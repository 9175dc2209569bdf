package dev.meridian.agent.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Resources;
import dev.meridian.proto.agent.v1.Task;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

class PodManifestTest {

  static Assignment trainOnTwoH100s() {
    return Assignment.newBuilder()
        .setAttemptId("xabc/train/2").setOrg("acme").setProject("vision").setDomain("production")
        .setExecutionId("xabc").setNodeId("train").setAttempt(2).setInputsJson("{\"epochs\":3,\"name\":\"resnet\"}")
        .setTask(Task.newBuilder().setName("train").setVersion("7").setImage("ghcr.io/acme/train:7")
            .addCommand("python").addArgs("train.py").putEnv("WANDB_MODE", "offline")
            .setInterfaceJson("{\"outputs\":{\"accuracy\":{\"type\":\"float\"}}}")
            .setTimeout(Duration.newBuilder().setSeconds(3600))
            .setResources(Resources.newBuilder().setMilliCpu(8000).setMemoryMib(65536).setGpus(2).setGpuType("nvidia-h100")))
        .build();
  }

  @Test
  void labelsThePodWithOrgExecutionNodeAndAttemptAndKeepsTheAssignment() {
    Pod pod = PodManifest.forAttempt(trainOnTwoH100s(), "meridian-work", "meridian.dev/gpu-type");

    assertThat(pod.getMetadata().getName()).isEqualTo("mrd-xabc-train-2");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("meridian-work");
    assertThat(pod.getMetadata().getLabels()).containsEntry("meridian.dev/org", "acme").containsEntry("meridian.dev/execution", "xabc")
        .containsEntry("meridian.dev/node", "train").containsEntry("meridian.dev/attempt", "2")
        .containsEntry("app.kubernetes.io/managed-by", "meridian-agent");
    assertThat(PodManifest.assignmentOf(pod)).isEqualTo(trainOnTwoH100s());
  }

  @Test
  void requestsCpuMemoryAndGpusAndSelectsNodesOfTheGpuType() {
    Pod pod = PodManifest.forAttempt(trainOnTwoH100s(), "meridian-work", "meridian.dev/gpu-type");

    var container = pod.getSpec().getContainers().getFirst();
    assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("8000m")).containsEntry("memory", new Quantity("65536Mi"));
    assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(pod.getSpec().getNodeSelector()).containsExactlyEntriesOf(java.util.Map.of("meridian.dev/gpu-type", "nvidia-h100"));
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
  }

  @Test
  void givesTheTaskTheRunTimeContract() {
    Pod pod = PodManifest.forAttempt(trainOnTwoH100s(), "meridian-work", "meridian.dev/gpu-type");

    var container = pod.getSpec().getContainers().getFirst();
    assertThat(container.getEnv()).extracting(EnvVar::getName, EnvVar::getValue).contains(
        org.assertj.core.groups.Tuple.tuple("MERIDIAN_INPUTS", "/var/run/meridian/in/inputs.json"),
        org.assertj.core.groups.Tuple.tuple("MERIDIAN_OUTPUTS", "/var/run/meridian/out/outputs.json"),
        org.assertj.core.groups.Tuple.tuple("MERIDIAN_INPUT_EPOCHS", "3"),
        org.assertj.core.groups.Tuple.tuple("MERIDIAN_INPUT_NAME", "resnet"),
        org.assertj.core.groups.Tuple.tuple("MERIDIAN_ATTEMPT", "2"),
        org.assertj.core.groups.Tuple.tuple("WANDB_MODE", "offline"));
    assertThat(container.getTerminationMessagePath()).isEqualTo("/var/run/meridian/out/outputs.json");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("meridian.dev/inputs", "{\"epochs\":3,\"name\":\"resnet\"}");
    assertThat(pod.getSpec().getVolumes()).anySatisfy(volume -> assertThat(volume.getDownwardAPI().getItems().getFirst().getFieldRef().getFieldPath())
        .isEqualTo("metadata.annotations['meridian.dev/inputs']"));
  }

  @Test
  void keepsLongNamesWithinKubernetesLimits() {
    String name = PodManifest.podName("x".repeat(30) + "/" + "a-very-long-node-name-that-keeps-going-and-going" + "/12");

    assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }
}
