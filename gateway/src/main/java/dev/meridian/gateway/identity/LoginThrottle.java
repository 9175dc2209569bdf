package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Refusal;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * Brute-force protection of {@code /oauth2/token}, the console's {@code /login} and sign-up: every
 * request takes a token from its address's bucket, and every refused secret or password one from
 * its client id's or account's, so guessing is slow from one address and from many. Sign-ups are
 * limited per address and per e-mail address, so nobody floods an inbox with confirmations.
 */
@Component
public class LoginThrottle {

  /**
   * @param perAddressPerMinute token requests one address may make a minute
   * @param failuresPerClient   wrong secrets one client id may see before it must wait
   * @param failureWindow       how long it takes for that allowance to refill
   * @param signUpsPerAddressPerHour sign-ups one address may make an hour
   * @param signUpsPerEmailPerHour   sign-ups (so confirmation e-mails) for one e-mail address an hour
   */
  @ConfigurationProperties("meridian.gateway.identity.login")
  record Properties(Integer perAddressPerMinute, Integer failuresPerClient, Duration failureWindow, Integer signUpsPerAddressPerHour,
      Integer signUpsPerEmailPerHour) {
    Properties {
      perAddressPerMinute = perAddressPerMinute == null ? 60 : perAddressPerMinute;
      failuresPerClient = failuresPerClient == null ? 10 : failuresPerClient;
      failureWindow = failureWindow == null ? Duration.ofMinutes(10) : failureWindow;
      signUpsPerAddressPerHour = signUpsPerAddressPerHour == null ? 20 : signUpsPerAddressPerHour;
      signUpsPerEmailPerHour = signUpsPerEmailPerHour == null ? 5 : signUpsPerEmailPerHour;
    }
  }

  private static final int MAX_TRACKED = 100_000;

  private final Properties properties;
  private final Map<String, Bucket> addresses = new ConcurrentHashMap<>();
  private final Map<String, Bucket> failures = new ConcurrentHashMap<>();
  private final Map<String, Bucket> signUps = new ConcurrentHashMap<>();

  LoginThrottle(Properties properties) {
    this.properties = properties;
  }

  /** Before a token request is passed on: refused if its address, or its client id after too many wrong secrets, must wait. */
  Optional<Refusal.Throttled> admit(String address, String clientId) {
    return admit(address, clientId == null ? null : "client:" + clientId, "too many token requests from " + address,
        "too many wrong secrets for client " + clientId + "; wait before trying again");
  }

  /** The secret was wrong. */
  void failed(String clientId) {
    if (clientId != null) {
      fail("client:" + clientId);
    }
  }

  /** Before a console login is passed on: refused if its address, or the account after too many wrong passwords, must wait. */
  Optional<Refusal.Throttled> admitLogin(String address, String email) {
    return admit(address, email == null ? null : "user:" + email.toLowerCase(java.util.Locale.ROOT), "too many sign-in attempts from " + address,
        "too many wrong passwords for this account; wait before trying again");
  }

  /** The password was wrong. */
  void loginFailed(String email) {
    if (email != null) {
      fail("user:" + email.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Before a sign-up is passed on. */
  public Optional<Refusal.Throttled> admitSignUp(String address, String email) {
    Optional<Refusal.Throttled> refused = take(signUps, "address:" + address, Bandwidth.builder().capacity(properties.signUpsPerAddressPerHour())
        .refillGreedy(properties.signUpsPerAddressPerHour(), Duration.ofHours(1)).build(), "too many sign-ups from " + address + "; try again later");
    if (refused.isPresent() || email == null) {
      return refused;
    }
    return take(signUps, "email:" + email.toLowerCase(java.util.Locale.ROOT), Bandwidth.builder().capacity(properties.signUpsPerEmailPerHour())
        .refillGreedy(properties.signUpsPerEmailPerHour(), Duration.ofHours(1)).build(),
        "too many sign-ups for " + email + " within an hour; look for the confirmation e-mail we sent, or try again later");
  }

  private Optional<Refusal.Throttled> admit(String address, String account, String addressDetail, String accountDetail) {
    Optional<Refusal.Throttled> refused = take(addresses, address, Bandwidth.builder().capacity(properties.perAddressPerMinute())
        .refillGreedy(properties.perAddressPerMinute(), Duration.ofMinutes(1)).build(), addressDetail);
    if (refused.isPresent() || account == null) {
      return refused;
    }
    Bucket accountFailures = failures.get(account);
    if (accountFailures != null && accountFailures.getAvailableTokens() <= 0) {
      return Optional.of(new Refusal.Throttled(accountDetail, Duration.ofNanos(accountFailures.estimateAbilityToConsume(1).getNanosToWaitForRefill())));
    }
    return Optional.empty();
  }

  private void fail(String account) {
    take(failures, account, Bandwidth.builder().capacity(properties.failuresPerClient())
        .refillGreedy(properties.failuresPerClient(), properties.failureWindow()).build(), "");
  }

  private static Optional<Refusal.Throttled> take(Map<String, Bucket> buckets, String key, Bandwidth limit, String detail) {
    if (buckets.size() >= MAX_TRACKED) {
      buckets.clear();
    }
    ConsumptionProbe probe = buckets.computeIfAbsent(key, k -> Bucket.builder().addLimit(limit).build()).tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? Optional.empty()
        : Optional.of(new Refusal.Throttled(detail, Duration.ofNanos(probe.getNanosToWaitForRefill())));
  }
}
