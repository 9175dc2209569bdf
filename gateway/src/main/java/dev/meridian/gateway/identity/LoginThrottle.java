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
 * Brute-force protection of {@code /oauth2/token}: every request takes a token from its address's
 * bucket, and every refused secret one from its client id's, so guessing a key's secret is slow
 * from one address and from many.
 */
@Component
class LoginThrottle {

  /**
   * @param perAddressPerMinute token requests one address may make a minute
   * @param failuresPerClient   wrong secrets one client id may see before it must wait
   * @param failureWindow       how long it takes for that allowance to refill
   */
  @ConfigurationProperties("meridian.gateway.identity.login")
  record Properties(Integer perAddressPerMinute, Integer failuresPerClient, Duration failureWindow) {
    Properties {
      perAddressPerMinute = perAddressPerMinute == null ? 60 : perAddressPerMinute;
      failuresPerClient = failuresPerClient == null ? 10 : failuresPerClient;
      failureWindow = failureWindow == null ? Duration.ofMinutes(10) : failureWindow;
    }
  }

  private static final int MAX_TRACKED = 100_000;

  private final Properties properties;
  private final Map<String, Bucket> addresses = new ConcurrentHashMap<>();
  private final Map<String, Bucket> failures = new ConcurrentHashMap<>();

  LoginThrottle(Properties properties) {
    this.properties = properties;
  }

  /** Before the request is passed on: refused if its address, or its client id after too many wrong secrets, must wait. */
  Optional<Refusal.Throttled> admit(String address, String clientId) {
    Optional<Refusal.Throttled> refused = take(addresses, address, Bandwidth.builder().capacity(properties.perAddressPerMinute())
        .refillGreedy(properties.perAddressPerMinute(), Duration.ofMinutes(1)).build(), "too many token requests from " + address);
    if (refused.isPresent() || clientId == null) {
      return refused;
    }
    Bucket clientFailures = failures.get(clientId);
    if (clientFailures != null && clientFailures.getAvailableTokens() <= 0) {
      return Optional.of(new Refusal.Throttled("too many wrong secrets for client " + clientId + "; wait before trying again",
          Duration.ofNanos(clientFailures.estimateAbilityToConsume(1).getNanosToWaitForRefill())));
    }
    return Optional.empty();
  }

  /** The secret was wrong. */
  void failed(String clientId) {
    if (clientId != null) {
      take(failures, clientId, Bandwidth.builder().capacity(properties.failuresPerClient())
          .refillGreedy(properties.failuresPerClient(), properties.failureWindow()).build(), "");
    }
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
