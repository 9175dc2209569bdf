package dev.meridian.agent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Renders helm/execution-agent with the real Helm library, parses the objects with fabric8 and applies them to the mock API server. */
@EnableKubernetesMockClient(crud = true)
class AgentChartIT {

  private static final Path CHART = Path.of("..", "helm", "execution-agent");
  private static final String NAMESPACE = "meridian-agent";

  KubernetesClient client;

  private List<HasMetadata> render(Map<String, String> values) {
    var template = new Helm(CHART).template().withName("meridian-agent").withNamespace(NAMESPACE);
    values.forEach(template::set);
    String yaml = template.call();
    return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).reduce((a, b) -> {
      throw new AssertionError("more than one " + kind.getSimpleName());
    }).orElseThrow(() -> new AssertionError("no " + kind.getSimpleName()));
  }

  @Test
  void rendersAnAgentWithLeastPrivilegeThatTheApiServerAccepts() {
    List<HasMetadata> objects = render(Map.of("clusterToken", "mrdc_secret", "routerAddress", "agents.example:443"));

    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
        "Secret", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Deployment");
    assertThat(only(objects, Role.class).getRules()).flatExtracting(PolicyRule::getResources).containsExactlyInAnyOrder("pods", "pods/log", "secrets");
    assertThat(only(objects, ClusterRole.class).getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getResources()).containsExactly("nodes");
      assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
    });
    assertThat(only(objects, Secret.class).getStringData()).containsEntry("token", "mrdc_secret");

    for (HasMetadata object : objects) {
      client.resource(object).inNamespace(NAMESPACE).create();
    }
    Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName("meridian-agent-execution-agent").get();
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getEnv()).anySatisfy(env -> {
      assertThat(env.getName()).isEqualTo("MERIDIAN_AGENT_TOKEN");
      assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("meridian-agent-execution-agent-token");
    });
    assertThat(container.getEnv()).anySatisfy(env -> assertThat(env.getName() + "=" + env.getValue())
        .isEqualTo("MERIDIAN_AGENT_BACKEND=kubernetes"));
    assertThat(container.getEnv()).anySatisfy(env -> assertThat(env.getName() + "=" + env.getValue())
        .isEqualTo("MERIDIAN_AGENT_ROUTERTARGET=agents.example:443"));
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("meridian-agent-execution-agent");
  }

  @Test
  void mountsTheCaBundleTheAgentChecksTheEndpointAndTheBrokersAgainst() {
    String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    List<HasMetadata> objects = render(Map.of("clusterToken", "mrdc_secret", "caBundle", pem));

    assertThat(only(objects, io.fabric8.kubernetes.api.model.ConfigMap.class).getData()).containsEntry("ca.pem", pem);
    var pod = only(objects, Deployment.class).getSpec().getTemplate().getSpec();
    var container = pod.getContainers().getFirst();
    assertThat(container.getEnv()).anySatisfy(env -> assertThat(env.getName() + "=" + env.getValue())
        .isEqualTo("MERIDIAN_AGENT_CABUNDLE=/etc/meridian/ca/ca.pem"));
    assertThat(container.getVolumeMounts()).anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/etc/meridian/ca"));
    assertThat(pod.getVolumes().stream().filter(volume -> volume.getConfigMap() != null).map(volume -> volume.getConfigMap().getName()))
        .containsExactly("meridian-agent-execution-agent-ca");
  }

  @Test
  void usesAnExistingSecretInsteadOfRenderingOne() {
    List<HasMetadata> objects = render(Map.of("existingSecret", "agent-token"));

    assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Secret");
    var container = only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getEnv()).anySatisfy(env -> {
      assertThat(env.getName()).isEqualTo("MERIDIAN_AGENT_TOKEN");
      assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("agent-token");
    });
  }

  @Test
  void refusesToRenderWithoutAToken() {
    assertThatThrownBy(() -> render(Map.of())).hasMessageContaining("set clusterToken");
  }
}
