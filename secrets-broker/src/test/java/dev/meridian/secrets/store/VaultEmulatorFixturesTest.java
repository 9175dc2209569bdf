package dev.meridian.secrets.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.testkit.VaultEmulator;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.rest.Rest;
import io.github.jopenlibs.vault.rest.RestResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The emulator answers each call the broker makes with the shape Vault's API documentation shows
 * (fixtures in {@code vault-api/}), driven only through vault-java-driver.
 */
class VaultEmulatorFixturesTest {

  private static final VaultSecretStoreTest.MovableClock CLOCK = new VaultSecretStoreTest.MovableClock();
  private static final VaultEmulator EMULATOR = VaultEmulator.start(CLOCK);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @AfterAll
  static void stop() {
    EMULATOR.close();
  }

  private static Vault vault(String token) throws VaultException {
    return Vault.create(new VaultConfig().address(EMULATOR.address()).token(token).engineVersion(2).build(), 2);
  }

  @Test
  void keyValueVersionTwoAnswersAsDocumented() throws Exception {
    Vault vault = vault(EMULATOR.rootToken());

    assertConforms(vault.logical().write("secret/fixtures/a", Map.of("foo", "bar")).getRestResponse(), "kv2-write.json");
    vault.logical().write("secret/fixtures/a", Map.of("foo", "baz"));
    assertConforms(vault.logical().read("secret/fixtures/a", true, 1).getRestResponse(), "kv2-read.json");
    vault.logical().destroy("secret/fixtures/a", new int[] {1});
    assertConforms(metadata("fixtures/a"), "kv2-metadata.json");
    vault.logical().write("secret/fixtures/listed/a", Map.of("foo", "bar"));
    vault.logical().write("secret/fixtures/listed/b/c", Map.of("foo", "bar"));
    var listed = vault.logical().list("secret/fixtures/listed");
    assertConforms(listed.getRestResponse(), "kv2-list.json");
    assertThat(listed.getListData()).containsExactly("a", "b/");
    assertConforms(vault.sys().mounts().list().getRestResponse(), "sys-mounts.json");
  }

  @Test
  void aDeletedVersionIsNotFoundWithItsMetadataAndCanBeUndeleted() throws Exception {
    Vault vault = vault(EMULATOR.rootToken());
    vault.logical().write("secret/fixtures/deleted", Map.of("foo", "bar"));
    vault.logical().delete("secret/fixtures/deleted", new int[] {1});

    var deleted = vault.logical().read("secret/fixtures/deleted");
    assertThat(deleted.getRestResponse().getStatus()).isEqualTo(404);
    assertThat(deleted.getDataMetadata().getMetadataMap().get("deletion_time")).isNotEmpty();

    vault.logical().unDelete("secret/fixtures/deleted", new int[] {1});
    assertThat(vault.logical().read("secret/fixtures/deleted").getData()).containsEntry("foo", "bar");
  }

  @Test
  void tokensAnswerAsDocumentedAndExpireUnlessRenewed() throws Exception {
    EMULATOR.addAppRole("fixture-role", "fixture-secret");
    var login = vault(null).auth().loginByAppRole("fixture-role", "fixture-secret");
    assertConforms(login.getRestResponse(), "approle-login.json");
    Vault asRole = vault(login.getAuthClientToken());

    assertConforms(asRole.auth().lookupSelf().getRestResponse(), "token-lookup-self.json");
    assertThat(asRole.auth().lookupSelf().getTTL()).isEqualTo(3600);
    CLOCK.advance(Duration.ofMinutes(50));
    assertConforms(asRole.auth().renewSelf().getRestResponse(), "token-renew-self.json");
    CLOCK.advance(Duration.ofMinutes(50));
    assertThat(asRole.logical().write("secret/fixtures/renewed", Map.of("foo", "bar")).getRestResponse().getStatus()).isEqualTo(200);

    CLOCK.advance(Duration.ofMinutes(61));
    RestResponse expired = asRole.logical().read("secret/fixtures/renewed").getRestResponse();
    assertThat(expired.getStatus()).isEqualTo(403);
    assertConforms(expired, "error.json");
    assertThat(vault("no-such-token").logical().read("secret/fixtures/renewed").getRestResponse().getStatus()).isEqualTo(403);
  }

  @Test
  void aWrappedResponseUnwrapsOnceAndOnlyBeforeItsTtlEnds() throws Exception {
    Vault vault = vault(EMULATOR.rootToken());

    var wrapped = vault.logical().write("secret/fixtures/wrapped", Map.of("foo", "bar"), 60);
    assertConforms(wrapped.getRestResponse(), "wrapped.json");
    String token = wrapped.getWrapResponse().getToken();
    assertThat(vault.sys().wrapping().unwrap(token).getData().get("version").asInt()).isEqualTo(1);
    assertThatThrownBy(() -> vault.sys().wrapping().unwrap(token)).hasMessageContaining("wrapping token is not valid");

    String late = vault.logical().write("secret/fixtures/wrapped", Map.of("foo", "baz"), 60).getWrapResponse().getToken();
    CLOCK.advance(Duration.ofSeconds(61));
    assertThatThrownBy(() -> vault.sys().wrapping().unwrap(late)).hasMessageContaining("400");
  }

  private static RestResponse metadata(String path) throws Exception {
    return new Rest().url(EMULATOR.address() + "/v1/secret/metadata/" + path).header("X-Vault-Token", EMULATOR.rootToken()).get();
  }

  private static void assertConforms(RestResponse response, String fixture) throws IOException {
    JsonNode actual = JSON.readTree(new String(response.getBody(), StandardCharsets.UTF_8));
    JsonNode documented;
    try (InputStream in = VaultEmulatorFixturesTest.class.getResourceAsStream("/vault-api/" + fixture)) {
      documented = JSON.readTree(in);
    }
    List<String> differences = new ArrayList<>();
    compare(documented, actual, "", differences);
    assertThat(differences).as("%s against %s", actual, fixture).isEmpty();
  }

  /** Every documented field is answered, with the documented JSON type; a null on either side matches anything. */
  private static void compare(JsonNode documented, JsonNode actual, String at, List<String> differences) {
    if (documented.isNull() || actual == null || actual.isNull()) {
      if (actual == null) {
        differences.add(at + " is missing");
      }
      return;
    }
    if (documented.getNodeType() != actual.getNodeType()) {
      differences.add(at + " is " + actual.getNodeType() + ", documented " + documented.getNodeType());
      return;
    }
    if (documented.isObject()) {
      // Maps keyed by data (versions, custom metadata) are compared by the shape of one entry.
      boolean keyedByData = at.endsWith("/versions") || at.endsWith("/custom_metadata") || at.equals("/auth/metadata") || at.equals("/data/meta");
      for (String name : documented.propertyNames()) {
        if (keyedByData) {
          if (!actual.isEmpty()) {
            compare(documented.get(name), actual.get(actual.propertyNames().iterator().next()), at + "/*", differences);
          }
        } else {
          compare(documented.get(name), actual.get(name), at + "/" + name, differences);
        }
      }
    } else if (documented.isArray() && !documented.isEmpty() && !actual.isEmpty()) {
      compare(documented.get(0), actual.get(0), at + "/0", differences);
    }
  }
}
