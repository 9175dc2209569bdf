package dev.meridian.secrets.store;

import io.github.jopenlibs.vault.SslConfig;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.json.Json;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.rest.Rest;
import io.github.jopenlibs.vault.rest.RestException;
import io.github.jopenlibs.vault.rest.RestResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets in HashiCorp Vault's KV version 2 engine, through vault-java-driver. A secret is the
 * entry {@code <mount>/data/<prefix>/<org>/<project|_>/<domain|_>/<name>} with one field,
 * {@code value}; Vault keeps its versions. The broker authenticates with a token or an AppRole and
 * renews its token once two thirds of its TTL have passed (logging in again when it cannot).
 */
public final class VaultSecretStore implements SecretStore {

  private static final Logger log = LoggerFactory.getLogger(VaultSecretStore.class);
  private static final String WHOLE = "_";

  /** {@code token}, or {@code roleId} and {@code secretId} for AppRole; {@code mount} of the KV v2 engine; {@code prefix} under it. */
  public record Settings(String address, String token, String roleId, String secretId, String mount, String prefix) {
    public Settings {
      if ((token == null || token.isBlank()) == (roleId == null || roleId.isBlank())) {
        throw new IllegalArgumentException("Vault needs either a token or an AppRole (role id and secret id), not both or neither");
      }
      mount = strip(mount == null || mount.isBlank() ? "secret" : mount);
      prefix = strip(prefix == null || prefix.isBlank() ? "meridian" : prefix);
    }

    private static String strip(String path) {
      return path.replaceAll("^/+|/+$", "");
    }
  }

  private final Settings settings;
  private final Clock clock;
  private Vault vault;
  private VaultConfig config;
  /** When to renew the token; null when it does not expire. */
  private Instant renewAt;

  public VaultSecretStore(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    authenticate();
    checkMount();
  }

  @Override
  public Written write(SecretPath path, String value, OptionalInt expectedVersion) {
    Map<String, Object> fields = Map.of("value", value);
    LogicalResponse response = call("write " + path, vault -> expectedVersion.isPresent()
        ? vault.logical().write(entry(path), fields, null, new WriteOptions().checkAndSet((long) expectedVersion.getAsInt()))
        : vault.logical().write(entry(path), fields));
    int status = response.getRestResponse().getStatus();
    if (status == 400 && body(response.getRestResponse()).contains("check-and-set")) {
      return new Written.VersionMismatch(metadata(path).map(meta -> meta.getInt("current_version", 0)).orElse(0));
    }
    expectOk(response.getRestResponse(), "write " + path);
    return new Written.Stored(Integer.parseInt(response.getData().get("version")));
  }

  @Override
  public Optional<String> read(SecretPath path) {
    return value(path, call("read " + path, vault -> vault.logical().read(entry(path))));
  }

  @Override
  public Optional<String> read(SecretPath path, int version) {
    return value(path, call("read " + path, vault -> vault.logical().read(entry(path), true, version)));
  }

  @Override
  public List<SecretInfo> list(String org) {
    List<SecretInfo> found = new ArrayList<>();
    for (String project : keys(settings.prefix() + "/" + org)) {
      for (String domain : keys(settings.prefix() + "/" + org + "/" + project)) {
        for (String name : keys(settings.prefix() + "/" + org + "/" + project + domain)) {
          if (!name.endsWith("/")) {
            SecretPath path = new SecretPath(org, scope(project), scope(domain), name);
            metadata(path).ifPresent(meta -> found.add(info(path, meta)));
          }
        }
      }
    }
    found.sort(Comparator.comparing(info -> info.path().toString()));
    return found;
  }

  @Override
  public boolean delete(SecretPath path) {
    Optional<JsonObject> meta = metadata(path);
    if (meta.isEmpty()) {
      return false;
    }
    int current = meta.get().getInt("current_version", 0);
    JsonObject version = meta.get().get("versions").asObject().get(String.valueOf(current)).asObject();
    if (!version.getString("deletion_time", "").isEmpty() || version.getBoolean("destroyed", false)) {
      return false;
    }
    expectNoContent(call("delete " + path, vault -> vault.logical().delete(entry(path), new int[] {current})).getRestResponse(),
        "delete " + path);
    return true;
  }

  @Override
  public boolean destroy(SecretPath path) {
    if (metadata(path).isEmpty()) {
      return false;
    }
    // On KV v2 the driver's delete(path) deletes the metadata: every version, for good.
    expectNoContent(call("destroy " + path, vault -> vault.logical().delete(entry(path))).getRestResponse(), "destroy " + path);
    return true;
  }

  private Optional<String> value(SecretPath path, LogicalResponse response) {
    int status = response.getRestResponse().getStatus();
    if (status == 404) {
      return Optional.empty();
    }
    expectOk(response.getRestResponse(), "read " + path);
    return Optional.ofNullable(response.getData().get("value"));
  }

  private List<String> keys(String folder) {
    LogicalResponse response = call("list " + folder, vault -> vault.logical().list(settings.mount() + "/" + folder));
    if (response == null || response.getRestResponse().getStatus() == 404) {
      return List.of();
    }
    expectOk(response.getRestResponse(), "list " + folder);
    return response.getListData();
  }

  private Optional<JsonObject> metadata(SecretPath path) {
    RestResponse response = call("read the metadata of " + path, vault -> rest(settings.mount() + "/metadata/" + relative(path)).get());
    if (response.getStatus() == 404) {
      return Optional.empty();
    }
    expectOk(response, "read the metadata of " + path);
    return Optional.of(Json.parse(body(response)).asObject().get("data").asObject());
  }

  private static SecretInfo info(SecretPath path, JsonObject meta) {
    List<Integer> live = new ArrayList<>();
    for (JsonObject.Member version : meta.get("versions").asObject()) {
      JsonObject state = version.getValue().asObject();
      if (state.getString("deletion_time", "").isEmpty() && !state.getBoolean("destroyed", false)) {
        live.add(Integer.parseInt(version.getName()));
      }
    }
    live.sort(Comparator.naturalOrder());
    return new SecretInfo(path, meta.getInt("current_version", 0), live, Instant.parse(meta.getString("created_time", "")),
        Instant.parse(meta.getString("updated_time", "")));
  }

  private String entry(SecretPath path) {
    return settings.mount() + "/" + relative(path);
  }

  private String relative(SecretPath path) {
    return settings.prefix() + "/" + path.org() + "/" + (path.project() == null ? WHOLE : path.project()) + "/"
        + (path.domain() == null ? WHOLE : path.domain()) + "/" + path.name();
  }

  private static String scope(String key) {
    String segment = key.substring(0, key.length() - 1);
    return segment.equals(WHOLE) ? null : segment;
  }

  private Rest rest(String path) {
    return new Rest().url(config.getAddress() + "/v1/" + path).header("X-Vault-Token", config.getToken())
        .header("X-Vault-Request", "true").connectTimeoutSeconds(config.getOpenTimeout()).readTimeoutSeconds(config.getReadTimeout())
        .sslVerification(config.getSslConfig().isVerify()).sslContext(config.getSslConfig().getSslContext());
  }

  @FunctionalInterface
  private interface VaultCall<T> {
    T on(Vault vault) throws VaultException, RestException;
  }

  private synchronized <T> T call(String what, VaultCall<T> call) {
    renewIfDue();
    try {
      return call.on(vault);
    } catch (VaultException | RestException e) {
      throw new SecretStoreException("Vault did not answer to " + what + ": " + e.getMessage(), e);
    }
  }

  private void authenticate() {
    try {
      config = new VaultConfig().address(settings.address()).engineVersion(2)
          .prefixPathDepth(settings.mount().split("/").length).openTimeout(5).readTimeout(30)
          .sslConfig(new SslConfig().build());
      if (settings.token() != null && !settings.token().isBlank()) {
        config.token(settings.token()).build();
        vault = Vault.create(config, 2);
        var self = vault.auth().lookupSelf();
        scheduleRenewal(self.isRenewable(), self.getTTL());
      } else {
        config.build();
        AuthResponse login = appRoleLogin();
        config.token(login.getAuthClientToken()).build();
        vault = Vault.create(config, 2);
        scheduleRenewal(login.isAuthRenewable(), login.getAuthLeaseDuration());
      }
    } catch (VaultException e) {
      throw new SecretStoreException("cannot authenticate to Vault at " + settings.address() + ": " + e.getMessage(), e);
    }
  }

  private AuthResponse appRoleLogin() {
    try {
      return Vault.create(config, 2).auth().loginByAppRole(settings.roleId(), settings.secretId());
    } catch (VaultException e) {
      throw new SecretStoreException("Vault refused the broker's AppRole login: " + e.getMessage(), e);
    }
  }

  private void scheduleRenewal(boolean renewable, long ttlSeconds) {
    renewAt = renewable && ttlSeconds > 0 ? clock.instant().plus(Duration.ofSeconds(ttlSeconds * 2 / 3)) : null;
  }

  private void renewIfDue() {
    if (renewAt == null || clock.instant().isBefore(renewAt)) {
      return;
    }
    try {
      AuthResponse renewed = vault.auth().renewSelf();
      if (renewed.getRestResponse().getStatus() == 200) {
        scheduleRenewal(renewed.isAuthRenewable(), renewed.getAuthLeaseDuration());
        return;
      }
      log.warn("Vault refused to renew the broker's token ({}); authenticating again", renewed.getRestResponse().getStatus());
    } catch (VaultException e) {
      log.warn("renewing the broker's Vault token failed ({}); authenticating again", e.getMessage());
    }
    authenticate();
  }

  private void checkMount() {
    Map<String, String> engines = vault.getSecretEngineVersions();
    if (engines == null) {
      log.info("the broker may not read sys/mounts; assuming {}/ is a KV version 2 engine", settings.mount());
      return;
    }
    String version = engines.get(settings.mount() + "/");
    if (!"2".equals(version)) {
      throw new SecretStoreException("Vault's mount " + settings.mount() + "/ is " + (version == null ? "not there"
          : "a KV engine of version " + version) + "; the broker needs a KV version 2 engine there (vault secrets enable -path="
          + settings.mount() + " kv-v2)", null);
    }
  }

  private static void expectOk(RestResponse response, String what) {
    if (response.getStatus() != 200) {
      throw new SecretStoreException("Vault answered " + response.getStatus() + " to " + what + ": " + body(response), null);
    }
  }

  private static void expectNoContent(RestResponse response, String what) {
    if (response.getStatus() != 204 && response.getStatus() != 200) {
      throw new SecretStoreException("Vault answered " + response.getStatus() + " to " + what + ": " + body(response), null);
    }
  }

  /** Vault's answer; only error answers and metadata are ever put in messages, never a value. */
  private static String body(RestResponse response) {
    return response.getBody() == null ? "" : new String(response.getBody(), StandardCharsets.UTF_8);
  }
}
