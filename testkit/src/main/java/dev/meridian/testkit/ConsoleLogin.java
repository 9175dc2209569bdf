package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the console's script does to log a person in, over plain HTTP: the authorization-code flow
 * with PKCE against {@code base} (the gateway, or tenant-service itself), the login form with its
 * CSRF token, the code exchange. Fails with what it saw when a step answers unexpectedly.
 */
public final class ConsoleLogin {

  /** A code the authorization server issued, and what exchanging it needs. */
  public record Code(String code, String verifier, String redirectUri) {}

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

  private final String base;
  private final HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
      .followRedirects(HttpClient.Redirect.NEVER).build();

  public ConsoleLogin(String base) {
    this.base = base;
  }

  /** The answer to submitting the login form (fetched first, for its CSRF token): 302 to the next step or to {@code ?error}. */
  public HttpResponse<String> submit(String email, String password) {
    String form = send(get(base + "/login")).body();
    Matcher csrf = CSRF.matcher(form);
    if (!csrf.find()) {
      throw new IllegalStateException("the login form has no CSRF token: " + form);
    }
    return send(post(base + "/login", "username=" + enc(email) + "&password=" + enc(password) + "&_csrf=" + csrf.group(1)));
  }

  /** Starts the flow as the console does, logs in, and returns the code sent to the console's callback. */
  public Code authorizationCode(String email, String password) {
    String verifier = "verifier-" + UUID.randomUUID() + "-" + UUID.randomUUID();
    String redirect = base + "/console/callback";
    HttpResponse<String> toLogin = send(get(base + "/oauth2/authorize?response_type=code&client_id=meridian-console&scope=openid&state=s"
        + "&redirect_uri=" + enc(redirect) + "&code_challenge=" + challenge(verifier) + "&code_challenge_method=S256"));
    expectRedirect(toLogin, base + "/login");
    HttpResponse<String> loggedIn = submit(email, password);
    String next = expectRedirect(loggedIn, base + "/oauth2/authorize");
    String callback = expectRedirect(send(get(next)), redirect + "?code=");
    return new Code(callback.replaceAll(".*[?&]code=([^&]+).*", "$1"), verifier, redirect);
  }

  /** The token endpoint's answer to exchanging {@code code}. */
  public HttpResponse<String> exchange(Code code) {
    return send(post(base + "/oauth2/token", "grant_type=authorization_code&client_id=meridian-console&code=" + code.code()
        + "&redirect_uri=" + enc(code.redirectUri()) + "&code_verifier=" + code.verifier()));
  }

  /** Logs in and returns the access token the console would hold. */
  public String accessToken(String email, String password) {
    HttpResponse<String> token = exchange(authorizationCode(email, password));
    Matcher accessToken = ACCESS_TOKEN.matcher(token.body());
    if (token.statusCode() != 200 || !accessToken.find()) {
      throw new IllegalStateException("no access token: " + token.statusCode() + " " + token.body());
    }
    return accessToken.group(1);
  }

  private static String expectRedirect(HttpResponse<String> response, String prefix) {
    String location = response.headers().firstValue("Location").orElse("");
    if (response.statusCode() != 302 || !location.startsWith(prefix)) {
      throw new IllegalStateException("expected a redirect to " + prefix + ", got " + response.statusCode() + " to '" + location + "': "
          + response.body());
    }
    return location;
  }

  private static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return browser.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).header("Accept", "text/html").GET().build();
  }

  private static HttpRequest post(String uri, String form) {
    return HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build();
  }
}
