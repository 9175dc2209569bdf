package dev.meridian.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SecretMountTest {

  private static List<Violation> violationsOf(String json) {
    List<Violation> violations = new ArrayList<>();
    SecretMount.parseAll(JsonMapper.builder().build().readTree(json), "/secrets", violations);
    return violations;
  }

  @Test
  void envAndFileSecretsParseWithTheirTargets() {
    List<Violation> violations = new ArrayList<>();
    var mounts = SecretMount.parseAll(JsonMapper.builder().build().readTree("""
        [{"name": "hub-token", "as": "env", "envVar": "HF_TOKEN"},
         {"name": "gcs.key", "as": "file"},
         {"name": "db", "as": "file", "mountPath": "/etc/db/password"}]"""), "/secrets", violations);

    assertThat(violations).isEmpty();
    assertThat(mounts).containsExactly(new SecretMount("hub-token", SecretMount.Delivery.ENV, "HF_TOKEN", null),
        new SecretMount("gcs.key", SecretMount.Delivery.FILE, null, null),
        new SecretMount("db", SecretMount.Delivery.FILE, null, "/etc/db/password"));
  }

  @Test
  void eachMistakeIsLocated() {
    assertThat(violationsOf("""
        [{"name": "1bad", "as": "env", "envVar": "X"},
         {"name": "a", "as": "env"},
         {"name": "b", "as": "env", "envVar": "MERIDIAN_INPUTS"},
         {"name": "c", "as": "file", "mountPath": "/etc/../shadow"},
         {"name": "d", "as": "disk"},
         {"name": "a", "as": "file", "mode": "0777"}]"""))
        .extracting(Violation::pointer)
        .containsExactly("/secrets/0/name", "/secrets/1/envVar", "/secrets/2/envVar", "/secrets/3/mountPath", "/secrets/4/as",
            "/secrets/5/mode", "/secrets/5/name");
  }

  @Test
  void twoSecretsMayNotTargetTheSameVariable() {
    assertThat(violationsOf("""
        [{"name": "a", "as": "env", "envVar": "TOKEN"}, {"name": "b", "as": "env", "envVar": "TOKEN"}]"""))
        .singleElement().satisfies(v -> assertThat(v.pointer()).isEqualTo("/secrets/1/envVar"));
  }
}
