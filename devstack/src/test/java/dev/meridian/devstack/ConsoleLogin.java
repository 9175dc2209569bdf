package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the console's script does to log a person in, over plain HTTP through the gateway: the
 * authorization-code flow with PKCE, the login form with its CSRF token, the code exchange.
 */
final class ConsoleLogin {

  private final String base;
  private final HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
      .followRedirects(HttpClient.Redirect.NEVER).build();

  ConsoleLogin(String gatewayUrl) {
    this.base = gatewayUrl;
  }

  /** The answer to submitting the login form (after fetching it, for its CSRF token). */
  HttpResponse<String> submit(String email, String password) throws Exception {
    String form = browser.send(get(base + "/login"), HttpResponse.BodyHandlers.ofString()).body();
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(form);
    assertThat(csrf.find()).as(form).isTrue();
    return browser.send(post(base + "/login", "username=" + enc(email) + "&password=" + enc(password) + "&_csrf=" + csrf.group(1)),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Logs in and returns the access token the console would hold. */
  String accessToken(String email, String password) throws Exception {
    String verifier = "verifier-" + UUID.randomUUID() + "-" + UUID.randomUUID();
    String challenge = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    String redirect = base + "/console/callback";
    HttpResponse<String> toLogin = browser.send(get(base + "/oauth2/authorize?response_type=code&client_id=meridian-console"
        + "&scope=openid&state=s&redirect_uri=" + enc(redirect) + "&code_challenge=" + challenge + "&code_challenge_method=S256"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(toLogin.headers().firstValue("Location")).as("the authorize endpoint sends an anonymous browser to the gateway's login")
        .hasValue(base + "/login");
    HttpResponse<String> loggedIn = submit(email, password);
    assertThat(loggedIn.statusCode()).isEqualTo(302);
    String callback = browser.send(get(loggedIn.headers().firstValue("Location").orElseThrow()), HttpResponse.BodyHandlers.ofString())
        .headers().firstValue("Location").orElseThrow();
    assertThat(callback).startsWith(redirect + "?code=");
    String code = callback.replaceAll(".*[?&]code=([^&]+).*", "$1");
    HttpResponse<String> token = browser.send(post(base + "/oauth2/token", "grant_type=authorization_code&client_id=meridian-console&code="
        + code + "&redirect_uri=" + enc(redirect) + "&code_verifier=" + verifier), HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    return MeridianClient.JSON.readTree(token.body()).get("access_token").asString();
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
