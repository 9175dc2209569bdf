package dev.meridian.gateway.identity;

import dev.meridian.gateway.infra.ClientsProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The authorization server's browser-facing endpoints through the gateway, so people only ever
 * see one address (the issuer): the login form, the authorize endpoint of the console's PKCE flow,
 * logout, discovery and the public keys. Requests pass as they came, with the cookies of the login
 * session and {@code X-Forwarded-*} so redirects name the gateway; answers come back unchanged.
 * Sign-in attempts are throttled per address and per account.
 */
@RestController
class AuthorizationServerProxy {

  private static final List<String> REQUEST_HEADERS = List.of(HttpHeaders.COOKIE, HttpHeaders.ACCEPT, HttpHeaders.CONTENT_TYPE,
      HttpHeaders.ACCEPT_LANGUAGE);
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
      response.sendError(503, "the sign-in service is unavailable; retry shortly");
      return 503;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.sendError(503, "the sign-in service is unavailable; retry shortly");
      return 503;
    }
  }
}
