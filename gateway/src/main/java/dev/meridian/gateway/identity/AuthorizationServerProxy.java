package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.ClientsProperties;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The authorization server through the gateway, so people and CI systems only ever see one
 * address (the issuer): the token endpoint, the login form, the authorize endpoint of the
 * console's PKCE flow, logout, discovery and the public keys. Requests pass as they came, with the cookies of the login
 * session and {@code X-Forwarded-*} so redirects name the gateway; answers come back unchanged.
 * Token requests and sign-in attempts are throttled per address and per client id or account.
 */
@RestController
class AuthorizationServerProxy {

  private static final List<String> REQUEST_HEADERS = List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.COOKIE, HttpHeaders.ACCEPT,
      HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT_LANGUAGE);
  private static final List<String> RESPONSE_HEADERS = List.of(HttpHeaders.LOCATION, HttpHeaders.SET_COOKIE, HttpHeaders.CONTENT_TYPE,
      HttpHeaders.CACHE_CONTROL, HttpHeaders.PRAGMA, HttpHeaders.EXPIRES, "X-Frame-Options", "X-Content-Type-Options");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private final String target;
  private final LoginThrottle throttle;

  AuthorizationServerProxy(ClientsProperties clients, LoginThrottle throttle) {
    this.target = clients.tenantServiceHttp();
    this.throttle = throttle;
  }

  @RequestMapping(path = {"/oauth2/authorize", "/oauth2/jwks", "/.well-known/openid-configuration",
      "/.well-known/oauth-authorization-server"}, method = RequestMethod.GET)
  void protocol(HttpServletRequest request, HttpServletResponse response) throws IOException {
    pass(request, response, null);
  }

  /**
   * {@code POST /oauth2/token}: CI systems (client credentials) and the console (its code) need one
   * address. Throttled per address, and per client id after wrong secrets.
   */
  @RequestMapping(path = "/oauth2/token", method = RequestMethod.POST)
  void token(HttpServletRequest request, HttpServletResponse response) throws IOException {
    byte[] body = request.getInputStream().readAllBytes();
    String clientId = clientId(request.getHeader(HttpHeaders.AUTHORIZATION), new String(body, StandardCharsets.UTF_8));
    var refused = throttle.admit(request.getRemoteAddr(), clientId);
    if (refused.isPresent()) {
      RestErrors.write(refused.get(), request, response);
      return;
    }
    if (pass(request, response, body) == 401) {
      throttle.failed(clientId);
    }
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

  @RequestMapping(path = "/login", method = RequestMethod.GET)
  void loginForm(HttpServletRequest request, HttpServletResponse response) throws IOException {
    pass(request, response, null);
  }

  @RequestMapping(path = "/logout", method = RequestMethod.POST)
  void logout(HttpServletRequest request, HttpServletResponse response) throws IOException {
    pass(request, response, request.getInputStream().readAllBytes());
  }

  @RequestMapping(path = "/login", method = RequestMethod.POST)
  void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
    byte[] body = request.getInputStream().readAllBytes();
    String email = FormFields.field(new String(body, StandardCharsets.UTF_8), "username").orElse(null);
    var refused = throttle.admitLogin(request.getRemoteAddr(), email);
    if (refused.isPresent()) {
      response.setStatus(429);
      response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(refused.get().retryAfterSeconds()));
      response.setContentType("text/html;charset=utf-8");
      response.getWriter().write("""
          <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts · Meridian</title>
          <link rel="stylesheet" href="/console.css"></head><body><main class="narrow"><h1>Too many attempts</h1>
          <p class="notice" id="login-message">%s. Try again in %d seconds.</p><p><a href="/">Back to sign-in</a></p></main></body></html>
          """.formatted(HtmlUtils.htmlEscape(refused.get().detail()), refused.get().retryAfterSeconds()));
      return;
    }
    int status = pass(request, response, body);
    if (status == 302 && response.getHeader(HttpHeaders.LOCATION) != null && response.getHeader(HttpHeaders.LOCATION).endsWith("?error")) {
      throttle.loginFailed(email);
    }
  }

  private int pass(HttpServletRequest request, HttpServletResponse response, byte[] body) throws IOException {
    String query = request.getQueryString() == null ? "" : "?" + request.getQueryString();
    HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + request.getRequestURI() + query))
        .timeout(Duration.ofSeconds(10))
        .method(request.getMethod(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (String name : REQUEST_HEADERS) {
      String value = request.getHeader(name);
      if (value != null) {
        forward.header(name, value);
      }
    }
    String host = request.getHeader(HttpHeaders.HOST);
    if (host != null) {
      forward.header("X-Forwarded-Host", host);
    }
    forward.header("X-Forwarded-Proto", request.getScheme());
    forward.header("X-Forwarded-For", request.getRemoteAddr());
    try {
      HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      response.setStatus(answer.statusCode());
      for (String name : RESPONSE_HEADERS) {
        answer.headers().allValues(name).forEach(value -> response.addHeader(name, value));
      }
      response.getOutputStream().write(answer.body());
      return answer.statusCode();
    } catch (IOException e) {
      RestErrors.write(new Refusal.Unavailable("tenant-service is unavailable; retry shortly"), request, response);
      return 503;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      RestErrors.write(new Refusal.Unavailable("tenant-service is unavailable; retry shortly"), request, response);
      return 503;
    }
  }
}
