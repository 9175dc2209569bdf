package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.ClientsProperties;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /oauth2/token} through the gateway: CI systems need one address. The request is
 * passed to tenant-service's authorization server as it came (form body, HTTP Basic credentials)
 * and its answer returned as it is.
 */
@RestController
class TokenEndpoint {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI tokenUri;
  private final LoginThrottle throttle;

  TokenEndpoint(ClientsProperties clients, LoginThrottle throttle) {
    this.tokenUri = URI.create(clients.tenantServiceHttp() + "/oauth2/token");
    this.throttle = throttle;
  }

  /** The client id of HTTP Basic credentials, or of a {@code client_id} form field; null if neither. */
  static String clientId(String authorization, String form) {
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return URLDecoder.decode(colon < 0 ? decoded : decoded.substring(0, colon), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException malformed) {
        return null;
      }
    }
    return FormFields.field(form, "client_id").orElse(null);
  }

  @PostMapping(path = "/oauth2/token", consumes = "application/x-www-form-urlencoded")
  ResponseEntity<?> token(@RequestBody(required = false) String form,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization, HttpServletRequest servlet) {
    String clientId = clientId(authorization, form);
    var refused = throttle.admit(servlet.getRemoteAddr(), clientId);
    if (refused.isPresent()) {
      return RestErrors.problem(refused.get());
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).timeout(Duration.ofSeconds(10))
        .header(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form == null ? "" : form));
    if (authorization != null) {
      request.header(HttpHeaders.AUTHORIZATION, authorization);
    }
    try {
      HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() == 401) {
        throttle.failed(clientId);
      }
      return ResponseEntity.status(answer.statusCode())
          .header(HttpHeaders.CONTENT_TYPE, answer.headers().firstValue(HttpHeaders.CONTENT_TYPE).orElse("application/json"))
          .header(HttpHeaders.CACHE_CONTROL, "no-store")
          .body(answer.body());
    } catch (IOException e) {
      return RestErrors.problem(new Refusal.Unavailable("tenant-service is unavailable; retry shortly"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return RestErrors.problem(new Refusal.Unavailable("tenant-service is unavailable; retry shortly"));
    }
  }
}
