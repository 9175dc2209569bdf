package dev.meridian.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The part of HashiCorp Vault's HTTP API that Meridian uses, in process, for tests: no Vault or
 * OpenBao server can be installed where our tests run. It answers with the shapes of Vault's API
 * documentation (the fixtures under secrets-broker's {@code vault-api/} pin them):
 * <ul>
 *   <li>one KV version 2 mount ({@code secret/}): write with check-and-set, read by version,
 *       soft delete, undelete, destroy, metadata read, list and delete; 404 with the version's
 *       metadata for a deleted one, as Vault does;</li>
 *   <li>{@code sys/mounts};</li>
 *   <li>tokens with a TTL: the root token, AppRole login, {@code lookup-self} and {@code renew-self};
 *       a missing, unknown or expired token gets 403 {@code permission denied};</li>
 *   <li>response wrapping: any request with {@code X-Vault-Wrap-TTL} is answered with a wrapping
 *       token instead, which {@code sys/wrapping/unwrap} redeems once, before its TTL ends.</li>
 * </ul>
 * State is in memory; time comes from the given clock so tests can expire tokens.
 */
public final class VaultEmulator implements AutoCloseable {

  public static final String MOUNT = "secret";

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private record Token(String id, String accessor, List<String> policies, Instant createdAt, Duration ttl, Instant expiresAt,
      boolean renewable) {}

  private record Version(Map<String, Object> data, Instant createdAt, Instant deletedAt, boolean destroyed) {}

  private static final class Secret {
    final TreeMap<Integer, Version> versions = new TreeMap<>();
    Instant createdAt;
    Instant updatedAt;
  }

  private record Wrapped(String response, Instant expiresAt) {}

  private final HttpServer server;
  private final Clock clock;
  private final String rootToken = "root-" + UUID.randomUUID();
  private final Map<String, Token> tokens = new HashMap<>();
  private final Map<String, String> appRoles = new HashMap<>();
  private final Map<String, Secret> secrets = new TreeMap<>();
  private final Map<String, Wrapped> wrapped = new HashMap<>();

  private VaultEmulator(Clock clock) throws IOException {
    this.clock = clock;
    tokens.put(rootToken, new Token(rootToken, accessor(), List.of("root"), clock.instant(), Duration.ZERO, null, false));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/", this::handle);
    server.start();
  }

  public static VaultEmulator start(Clock clock) {
    try {
      return new VaultEmulator(clock);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the Vault emulator", e);
    }
  }

  public String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public String rootToken() {
    return rootToken;
  }

  /** An AppRole whose login gives renewable tokens that live an hour. */
  public synchronized void addAppRole(String roleId, String secretId) {
    appRoles.put(roleId, secretId);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private synchronized void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      String path = uri.getPath().substring("/v1/".length());
      Map<String, String> query = query(uri.getRawQuery());
      JsonNode body = readBody(exchange);
      String method = exchange.getRequestMethod();
      Answer answer;
      if (path.equals("auth/approle/login") && method.equals("POST")) {
        answer = appRoleLogin(body);
      } else if (path.equals("sys/wrapping/unwrap") && method.equals("POST")) {
        answer = unwrap(body.path("token").asString(exchange.getRequestHeaders().getFirst("X-Vault-Token")));
      } else {
        Token token = token(exchange.getRequestHeaders().getFirst("X-Vault-Token"));
        answer = token == null ? Answer.error(403, "permission denied") : route(token, method, path, query, body);
        String wrapTtl = exchange.getRequestHeaders().getFirst("X-Vault-Wrap-TTL");
        if (token != null && wrapTtl != null && answer.status() == 200) {
          answer = wrap(answer, path, Duration.ofSeconds(Long.parseLong(wrapTtl.replace("s", ""))));
        }
      }
      byte[] bytes = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
      if (answer.body() != null) {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
      }
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    }
  }

  private record Answer(int status, String body) {
    static Answer json(Object body) {
      return new Answer(200, JSON.writeValueAsString(body));
    }

    static Answer noContent() {
      return new Answer(204, null);
    }

    static Answer error(int status, String... errors) {
      return new Answer(status, JSON.writeValueAsString(Map.of("errors", List.of(errors))));
    }
  }

  private Answer route(Token token, String method, String path, Map<String, String> query, JsonNode body) {
    if (path.equals("sys/mounts") && method.equals("GET")) {
      return mounts();
    }
    if (path.equals("auth/token/lookup-self") && method.equals("GET")) {
      return Answer.json(response(Map.of("data", tokenData(token))));
    }
    if (path.equals("auth/token/renew-self") && method.equals("POST")) {
      return renew(token);
    }
    if (!path.startsWith(MOUNT + "/")) {
      return Answer.error(404, "no handler for route \"" + path + "\". route entry not found.");
    }
    String rest = path.substring(MOUNT.length() + 1);
    int slash = rest.indexOf('/');
    String operation = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    return switch (operation + " " + method) {
      case "data POST", "data PUT" -> write(key, body);
      case "data GET" -> read(key, query.containsKey("version") ? Integer.parseInt(query.get("version")) : 0);
      case "data DELETE" -> deleteLatest(key);
      case "delete POST", "delete PUT" -> markVersions(key, body, "delete");
      case "undelete POST", "undelete PUT" -> markVersions(key, body, "undelete");
      case "destroy POST", "destroy PUT" -> markVersions(key, body, "destroy");
      case "metadata GET" -> "true".equals(query.get("list")) ? list(key) : metadata(key);
      case "metadata LIST" -> list(key);
      case "metadata DELETE" -> {
        secrets.remove(key);
        yield Answer.noContent();
      }
      default -> Answer.error(405, "unsupported operation");
    };
  }

  private Answer write(String key, JsonNode body) {
    JsonNode data = body.get("data");
    if (data == null || !data.isObject()) {
      return Answer.error(400, "no data provided");
    }
    Secret secret = secrets.get(key);
    int current = secret == null ? 0 : secret.versions.lastKey();
    JsonNode cas = body.path("options").get("cas");
    if (cas != null && cas.asInt() != current) {
      return Answer.error(400, "check-and-set parameter did not match the current version");
    }
    Instant now = clock.instant();
    if (secret == null) {
      secret = new Secret();
      secret.createdAt = now;
      secrets.put(key, secret);
    }
    secret.updatedAt = now;
    @SuppressWarnings("unchecked")
    Map<String, Object> values = JSON.convertValue(data, Map.class);
    secret.versions.put(current + 1, new Version(values, now, null, false));
    return Answer.json(response(Map.of("data", versionMetadata(current + 1, secret.versions.get(current + 1)))));
  }

  private Answer read(String key, int version) {
    Secret secret = secrets.get(key);
    if (secret == null) {
      return Answer.error(404);
    }
    int wanted = version == 0 ? secret.versions.lastKey() : version;
    Version found = secret.versions.get(wanted);
    if (found == null) {
      return Answer.error(404);
    }
    Map<String, Object> data = new HashMap<>();
    data.put("data", found.deletedAt() != null || found.destroyed() ? null : found.data());
    data.put("metadata", versionMetadata(wanted, found));
    String body = JSON.writeValueAsString(response(Map.of("data", data)));
    // Vault answers a deleted or destroyed version with 404 and its metadata.
    return new Answer(found.deletedAt() != null || found.destroyed() ? 404 : 200, body);
  }

  private Answer deleteLatest(String key) {
    Secret secret = secrets.get(key);
    if (secret != null) {
      secret.versions.computeIfPresent(secret.versions.lastKey(), (v, version) -> version.deletedAt() != null ? version
          : new Version(version.data(), version.createdAt(), clock.instant(), version.destroyed()));
    }
    return Answer.noContent();
  }

  private Answer markVersions(String key, JsonNode body, String how) {
    JsonNode versions = body.get("versions");
    if (versions == null || !versions.isArray() || versions.isEmpty()) {
      return Answer.error(400, "no version number provided");
    }
    Secret secret = secrets.get(key);
    if (secret != null) {
      for (JsonNode number : versions) {
        secret.versions.computeIfPresent(number.asInt(), (v, version) -> switch (how) {
          case "delete" -> version.deletedAt() != null ? version : new Version(version.data(), version.createdAt(), clock.instant(), version.destroyed());
          case "undelete" -> version.destroyed() ? version : new Version(version.data(), version.createdAt(), null, false);
          default -> new Version(Map.of(), version.createdAt(), version.deletedAt(), true);
        });
      }
    }
    return Answer.noContent();
  }

  private Answer metadata(String key) {
    Secret secret = secrets.get(key);
    if (secret == null) {
      return Answer.error(404);
    }
    Map<String, Object> versions = new TreeMap<>();
    secret.versions.forEach((number, version) -> {
      Map<String, Object> meta = versionMetadata(number, version);
      meta.remove("version");
      versions.put(String.valueOf(number), meta);
    });
    Map<String, Object> data = new TreeMap<>();
    data.put("cas_required", false);
    data.put("created_time", secret.createdAt.toString());
    data.put("current_version", secret.versions.lastKey());
    data.put("custom_metadata", null);
    data.put("delete_version_after", "0s");
    data.put("max_versions", 0);
    data.put("oldest_version", 0);
    data.put("updated_time", secret.updatedAt.toString());
    data.put("versions", versions);
    return Answer.json(response(Map.of("data", data)));
  }

  private Answer list(String prefix) {
    String folder = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    TreeSet<String> keys = new TreeSet<>();
    for (String key : secrets.keySet()) {
      if (key.startsWith(folder)) {
        String below = key.substring(folder.length());
        int slash = below.indexOf('/');
        keys.add(slash < 0 ? below : below.substring(0, slash + 1));
      }
    }
    return keys.isEmpty() ? Answer.error(404) : Answer.json(response(Map.of("data", Map.of("keys", List.copyOf(keys)))));
  }

  private Answer mounts() {
    Map<String, Object> kv = Map.of("type", "kv", "description", "key/value secret storage", "accessor", "kv_" + MOUNT,
        "config", Map.of("default_lease_ttl", 0, "max_lease_ttl", 0), "local", false, "seal_wrap", false,
        "options", Map.of("version", "2"));
    Map<String, Object> sys = Map.of("type", "system", "description", "system endpoints used for control, policy and debugging",
        "accessor", "system_sys", "config", Map.of("default_lease_ttl", 0, "max_lease_ttl", 0), "local", false,
        "seal_wrap", true, "options", Map.of());
    Map<String, Object> mounts = Map.of(MOUNT + "/", kv, "sys/", sys);
    Map<String, Object> body = new HashMap<>(mounts);
    body.putAll(response(Map.of("data", mounts)));
    return Answer.json(body);
  }

  private Answer appRoleLogin(JsonNode body) {
    String roleId = body.path("role_id").asString("");
    String secretId = body.path("secret_id").asString("");
    if (!appRoles.containsKey(roleId) || !appRoles.get(roleId).equals(secretId)) {
      return Answer.error(400, "invalid role or secret ID");
    }
    Instant now = clock.instant();
    Duration ttl = Duration.ofHours(1);
    Token token = new Token("hvs." + UUID.randomUUID().toString().replace("-", ""), accessor(), List.of("default", "meridian"),
        now, ttl, now.plus(ttl), true);
    tokens.put(token.id(), token);
    return Answer.json(response(Map.of("auth", auth(token, Map.of("role_name", roleId)))));
  }

  private Answer renew(Token token) {
    if (!token.renewable()) {
      return Answer.error(400, "lease is not renewable");
    }
    Token renewed = new Token(token.id(), token.accessor(), token.policies(), token.createdAt(), token.ttl(),
        clock.instant().plus(token.ttl()), true);
    tokens.put(token.id(), renewed);
    return Answer.json(response(Map.of("auth", auth(renewed, Map.of()))));
  }

  private Answer wrap(Answer answer, String path, Duration ttl) {
    String token = "hvs.wrap." + UUID.randomUUID().toString().replace("-", "");
    Instant now = clock.instant();
    wrapped.put(token, new Wrapped(answer.body(), now.plus(ttl)));
    Map<String, Object> info = Map.of("token", token, "accessor", accessor(), "ttl", ttl.toSeconds(),
        "creation_time", now.toString(), "creation_path", path);
    Map<String, Object> body = response(Map.of());
    body.put("wrap_info", info);
    return Answer.json(body);
  }

  private Answer unwrap(String token) {
    Wrapped entry = token == null ? null : wrapped.remove(token);
    if (entry == null || !clock.instant().isBefore(entry.expiresAt())) {
      return Answer.error(400, "wrapping token is not valid or does not exist");
    }
    return new Answer(200, entry.response());
  }

  /** The envelope every Vault response has, with {@code parts} filled in. */
  private static Map<String, Object> response(Map<String, Object> parts) {
    Map<String, Object> body = new HashMap<>();
    body.put("request_id", UUID.randomUUID().toString());
    body.put("lease_id", "");
    body.put("renewable", false);
    body.put("lease_duration", 0);
    body.put("data", null);
    body.put("wrap_info", null);
    body.put("warnings", null);
    body.put("auth", null);
    body.putAll(parts);
    return body;
  }

  private Map<String, Object> tokenData(Token token) {
    Map<String, Object> data = new TreeMap<>();
    data.put("accessor", token.accessor());
    data.put("creation_time", token.createdAt().getEpochSecond());
    data.put("creation_ttl", token.ttl().toSeconds());
    data.put("display_name", token.policies().contains("root") ? "root" : "approle");
    data.put("entity_id", "");
    data.put("expire_time", token.expiresAt() == null ? null : token.expiresAt().toString());
    data.put("explicit_max_ttl", 0);
    data.put("id", token.id());
    data.put("meta", null);
    data.put("num_uses", 0);
    data.put("orphan", true);
    data.put("path", token.policies().contains("root") ? "auth/token/root" : "auth/approle/login");
    data.put("policies", token.policies());
    data.put("renewable", token.renewable());
    data.put("ttl", token.expiresAt() == null ? 0 : Math.max(0, Duration.between(clock.instant(), token.expiresAt()).toSeconds()));
    data.put("type", "service");
    return data;
  }

  private static Map<String, Object> auth(Token token, Map<String, String> metadata) {
    Map<String, Object> auth = new TreeMap<>();
    auth.put("client_token", token.id());
    auth.put("accessor", token.accessor());
    auth.put("policies", token.policies());
    auth.put("token_policies", token.policies());
    auth.put("metadata", metadata);
    auth.put("lease_duration", token.ttl().toSeconds());
    auth.put("renewable", token.renewable());
    auth.put("entity_id", "");
    auth.put("token_type", "service");
    auth.put("orphan", true);
    return auth;
  }

  private static Map<String, Object> versionMetadata(int number, Version version) {
    Map<String, Object> meta = new TreeMap<>();
    meta.put("created_time", version.createdAt().toString());
    meta.put("custom_metadata", null);
    meta.put("deletion_time", version.deletedAt() == null ? "" : version.deletedAt().toString());
    meta.put("destroyed", version.destroyed());
    meta.put("version", number);
    return meta;
  }

  private Token token(String id) {
    Token token = id == null ? null : tokens.get(id);
    if (token == null || (token.expiresAt() != null && !clock.instant().isBefore(token.expiresAt()))) {
      return null;
    }
    return token;
  }

  private static String accessor() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }

  private static JsonNode readBody(HttpExchange exchange) throws IOException {
    byte[] bytes = exchange.getRequestBody().readAllBytes();
    return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int equals = pair.indexOf('=');
        query.put(equals < 0 ? pair : pair.substring(0, equals), equals < 0 ? "" : pair.substring(equals + 1));
      }
    }
    return query;
  }
}
