package dev.meridian.agent.backend.kubernetes;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.workflow.SecretMount;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Pod of one attempt. Pure: everything comes from the assignment and the backend's settings.
 *
 * <p>The run-time contract of ARCHITECTURE.md §3 without a sidecar or a blob store: the inputs are
 * a pod annotation projected into {@code /var/run/meridian/in/inputs.json} by the downward API, the
 * task writes {@code /var/run/meridian/out/outputs.json}, which is also the container's termination
 * message, so the agent reads small outputs (up to 4 KiB) back from the Pod status. The whole
 * assignment is kept in an annotation, so a restarted agent can rebuild its state from its Pods.
 */
public final class PodManifest {

  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String AGENT = "meridian-agent";
  public static final String ORG = "meridian.dev/org";
  public static final String EXECUTION = "meridian.dev/execution";
  public static final String NODE = "meridian.dev/node";
  public static final String ATTEMPT = "meridian.dev/attempt";
  public static final String ATTEMPT_ID = "meridian.dev/attempt-id";
  public static final String ASSIGNMENT = "meridian.dev/assignment";
  static final String INPUTS = "meridian.dev/inputs";
  static final String OUTPUTS_PATH = "/var/run/meridian/out/outputs.json";
  static final String INPUTS_PATH = "/var/run/meridian/in/inputs.json";
  static final String CONTAINER = "task";
  static final String SECRETS_DIR = "/var/run/meridian/secrets";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private PodManifest() {}

  /**
   * @param gpuNodeLabel the node label whose value names a node's GPU type (e.g. {@code nvidia-h100})
   */
  public static Pod forAttempt(Assignment assignment, String namespace, String gpuNodeLabel) {
    return forAttempt(assignment, namespace, gpuNodeLabel, List.of());
  }

  /**
   * With {@code secrets}, the Pod takes their values from the Secret {@link #secretName} (made by
   * the agent, owned by the Pod): env secrets by {@code secretKeyRef}, file secrets as {@code 0400}
   * files under {@value #SECRETS_DIR} or at their {@code mountPath}. The Pod spec holds names only.
   */
  public static Pod forAttempt(Assignment assignment, String namespace, String gpuNodeLabel, List<SecretMount> secrets) {
    var task = assignment.getTask();
    var resources = task.getResources();
    Map<String, Quantity> requests = new LinkedHashMap<>();
    requests.put("cpu", new Quantity(Math.max(1, resources.getMilliCpu()) + "m"));
    requests.put("memory", new Quantity(Math.max(1, resources.getMemoryMib()) + "Mi"));
    Map<String, Quantity> limits = new LinkedHashMap<>(requests);
    Map<String, String> nodeSelector = new LinkedHashMap<>();
    if (resources.getGpus() > 0) {
      limits.put("nvidia.com/gpu", new Quantity(Integer.toString(resources.getGpus())));
      nodeSelector.put(gpuNodeLabel, resources.getGpuType());
    }
    PodBuilder pod = new PodBuilder()
        .withNewMetadata()
          .withName(podName(assignment.getAttemptId()))
          .withNamespace(namespace)
          .addToLabels(MANAGED_BY, AGENT)
          .addToLabels(ORG, labelValue(assignment.getOrg()))
          .addToLabels(EXECUTION, labelValue(assignment.getExecutionId()))
          .addToLabels(NODE, labelValue(assignment.getNodeId()))
          .addToLabels(ATTEMPT, Integer.toString(assignment.getAttempt()))
          .addToAnnotations(ATTEMPT_ID, assignment.getAttemptId())
          .addToAnnotations(ASSIGNMENT, Base64.getEncoder().encodeToString(assignment.toByteArray()))
          .addToAnnotations(INPUTS, assignment.getInputsJson().isBlank() ? "{}" : assignment.getInputsJson())
        .endMetadata()
        .withNewSpec()
          .withRestartPolicy("Never")
          .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
          .withActiveDeadlineSeconds(task.getTimeout().getSeconds() > 0 ? task.getTimeout().getSeconds() : null)
          .addNewContainer()
            .withName(CONTAINER)
            .withImage(task.getImage())
            .withCommand(task.getCommandList().isEmpty() ? null : task.getCommandList())
            .withArgs(task.getArgsList().isEmpty() ? null : task.getArgsList())
            .withEnv(env(assignment))
            .withNewResources().withRequests(requests).withLimits(limits).endResources()
            .withTerminationMessagePath(OUTPUTS_PATH)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .addNewVolumeMount().withName("meridian-in").withMountPath("/var/run/meridian/in").withReadOnly(true).endVolumeMount()
            .addNewVolumeMount().withName("meridian-out").withMountPath("/var/run/meridian/out").endVolumeMount()
          .endContainer()
          .addNewVolume().withName("meridian-in").withNewDownwardAPI()
            .addNewItem().withPath("inputs.json").withNewFieldRef().withFieldPath("metadata.annotations['" + INPUTS + "']").endFieldRef().endItem()
          .endDownwardAPI().endVolume()
          .addNewVolume().withName("meridian-out").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec();
    Pod built = pod.build();
    if (!secrets.isEmpty()) {
      addSecrets(built, podName(assignment.getAttemptId()), secrets);
    }
    return built;
  }

  /** The Secret that holds an attempt's secret values, named after its Pod. */
  static String secretName(String podName) {
    return podName + "-secrets";
  }

  private static void addSecrets(Pod pod, String podName, List<SecretMount> secrets) {
    var container = pod.getSpec().getContainers().getFirst();
    List<io.fabric8.kubernetes.api.model.KeyToPath> files = new ArrayList<>();
    for (SecretMount secret : secrets) {
      if (secret.delivery() == SecretMount.Delivery.ENV) {
        container.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName(secret.envVar()).withNewValueFrom()
            .withNewSecretKeyRef().withName(secretName(podName)).withKey(secret.name()).endSecretKeyRef().endValueFrom().build());
      } else {
        files.add(new io.fabric8.kubernetes.api.model.KeyToPath(secret.name(), 0400, secret.name()));
        if (secret.mountPath() != null) {
          container.getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("meridian-secrets")
              .withMountPath(secret.mountPath()).withSubPath(secret.name()).withReadOnly(true).build());
        }
      }
    }
    container.getEnv().add(new EnvVar("MERIDIAN_SECRETS_DIR", SECRETS_DIR, null));
    if (!files.isEmpty()) {
      container.getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("meridian-secrets")
          .withMountPath(SECRETS_DIR).withReadOnly(true).build());
      pod.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("meridian-secrets").withNewSecret()
          .withSecretName(secretName(podName)).withItems(files).withDefaultMode(0400).endSecret().build());
    }
  }

  private static List<EnvVar> env(Assignment assignment) {
    List<EnvVar> env = new ArrayList<>();
    assignment.getTask().getEnvMap().forEach((name, value) -> env.add(new EnvVar(name, value, null)));
    env.add(new EnvVar("MERIDIAN_INPUTS", INPUTS_PATH, null));
    env.add(new EnvVar("MERIDIAN_OUTPUTS", OUTPUTS_PATH, null));
    env.add(new EnvVar("MERIDIAN_EXECUTION_ID", assignment.getExecutionId(), null));
    env.add(new EnvVar("MERIDIAN_NODE_ID", assignment.getNodeId(), null));
    env.add(new EnvVar("MERIDIAN_ATTEMPT", Integer.toString(assignment.getAttempt()), null));
    if (!assignment.getInputsJson().isBlank()) {
      for (var input : JSON.readTree(assignment.getInputsJson()).properties()) {
        if (input.getValue().isValueNode() && !input.getValue().isNull()) {
          env.add(new EnvVar("MERIDIAN_INPUT_" + input.getKey().toUpperCase(Locale.ROOT), input.getValue().asString(), null));
        }
      }
    }
    return env;
  }

  /** {@code mrd-<execution>-<node>-<attempt>}, DNS-safe, at most 63 characters (long names end in a hash). */
  static String podName(String attemptId) {
    String name = "mrd-" + attemptId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (name.length() <= 63) {
      return name;
    }
    return name.substring(0, 52) + "-" + hash(attemptId).substring(0, 10);
  }

  /** Label values: at most 63 characters of [a-z0-9A-Z._-]. */
  static String labelValue(String value) {
    String cleaned = value.replaceAll("[^A-Za-z0-9._-]", "-");
    return cleaned.length() <= 63 ? cleaned : cleaned.substring(0, 52) + "-" + hash(value).substring(0, 10);
  }

  private static String hash(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static Assignment assignmentOf(Pod pod) {
    try {
      return Assignment.parseFrom(Base64.getDecoder().decode(pod.getMetadata().getAnnotations().get(ASSIGNMENT)));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("pod " + pod.getMetadata().getName() + " has an unreadable assignment annotation", e);
    }
  }
}
