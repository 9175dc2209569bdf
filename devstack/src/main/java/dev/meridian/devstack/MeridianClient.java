package dev.meridian.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain REST client of the public API, as a CI job would use it: with an API key's credentials it
 * gets an access token from {@code /oauth2/token} and a fresh one before it expires.
 */
public final class MeridianClient {

  public static final JsonMapper JSON = JsonMapper.builder().build();

  /** An API key's (or the platform operator's) client credentials. */
  public record Credentials(String clientId, String clientSecret) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final Credentials credentials;
  /** A token obtained elsewhere (a person's, from the console login): sent as it is, never renewed. */
  private final String givenToken;
  private String token;
  private Instant renewAt = Instant.MIN;

  /** Sends no token: for calls that need none, and for proving that the others do. */
  public MeridianClient(String baseUrl) {
    this(baseUrl, null);
  }

  public MeridianClient(String baseUrl, Credentials credentials) {
    this(baseUrl, credentials, null);
  }

  private MeridianClient(String baseUrl, Credentials credentials, String givenToken) {
    this.baseUrl = baseUrl;
    this.credentials = credentials;
    this.givenToken = givenToken;
  }

  /** A client of the same API that sends {@code accessToken}. */
  public MeridianClient withToken(String accessToken) {
    return new MeridianClient(baseUrl, null, accessToken);
  }

  /** A current access token of these credentials. */
  public synchronized String token() {
    if (givenToken != null) {
      return givenToken;
    }
    if (credentials == null) {
      throw new IllegalStateException("this client has no credentials");
    }
    if (token == null || Instant.now().isAfter(renewAt)) {
      String basic = Base64.getEncoder().encodeToString((credentials.clientId() + ":" + credentials.clientSecret())
          .getBytes(StandardCharsets.UTF_8));
      Response response = send(HttpRequest.newBuilder(URI.create(baseUrl + "/oauth2/token"))
          .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")), false);
      if (response.status() != 200) {
        throw new IllegalStateException("no access token for " + credentials.clientId() + ": " + response.status() + " " + response.body());
      }
      token = response.body().get("access_token").asString();
      renewAt = Instant.now().plusSeconds(response.body().get("expires_in").asLong() * 4 / 5);
    }
    return token;
  }

  /** A client of the same API with other credentials. */
  public MeridianClient as(Credentials other) {
    return new MeridianClient(baseUrl, other);
  }

  public record Response(int status, JsonNode body, HttpResponse<String> raw) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
  }

  /** GET asking for {@code accept} (e.g. {@code text/csv}). */
  public Response get(String path, String accept) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Accept", accept).GET());
  }

  public Response post(String path, Object body) {
    return post(path, body, null);
  }

  public Response post(String path, Object body, String idempotencyKey) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body instanceof String text ? text : JSON.writeValueAsString(body)));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return send(request);
  }

  public Response delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).DELETE());
  }

  public Response patch(String path, Object body) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  public Response put(String path, Object body) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  /** Sends {@code body} as it is, declared as JSON: for hostile or malformed input. */
  public Response raw(String method, String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  private Response send(HttpRequest.Builder request) {
    return send(request, credentials != null || givenToken != null);
  }

  private Response send(HttpRequest.Builder request, boolean authenticated) {
    if (authenticated) {
      request.header("Authorization", "Bearer " + token());
    }
    try {
      HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body;
      try {
        body = response.body() == null || response.body().isBlank() ? JSON.missingNode() : JSON.readTree(response.body());
      } catch (tools.jackson.core.JacksonException notJson) {
        body = JSON.missingNode();
      }
      return new Response(response.statusCode(), body, response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
