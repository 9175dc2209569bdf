package dev.meridian.gateway.throttle;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.proto.tenant.v1.GetOrgQuotasRequest;
import dev.meridian.proto.tenant.v1.OrgQuotas;
import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc.QuotaConfigBlockingStub;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * Token buckets (bucket4j) per org and per project that has its own rate: the org's
 * {@code requestsPerSecond} quota, or the platform default. A bucket holds one second of requests,
 * so a client may burst up to its rate and then gets the rate. Rates are re-read from tenant-service
 * every few seconds; a change keeps the tokens a bucket has.
 */
@Component
public class RateLimits {

  private static final Logger log = LoggerFactory.getLogger(RateLimits.class);

  /**
   * @param defaultRequestsPerSecond the rate of an org without a {@code requestsPerSecond} quota
   * @param refresh                  how old the rates read from tenant-service may get
   * @param maxTrackedKeys           buckets kept in memory; idle ones are dropped beyond this
   */
  @ConfigurationProperties("meridian.gateway.rate-limit")
  public record Properties(Double defaultRequestsPerSecond, Duration refresh, Integer maxTrackedKeys) {
    public Properties {
      defaultRequestsPerSecond = defaultRequestsPerSecond == null ? 100.0 : defaultRequestsPerSecond;
      refresh = refresh == null ? Duration.ofSeconds(2) : refresh;
      maxTrackedKeys = maxTrackedKeys == null ? 100_000 : maxTrackedKeys;
    }
  }

  private record Rates(double org, Map<String, Double> projects, Instant readAt) {}

  private static final class Limited {
    final Bucket bucket;
    double rate;
    volatile Instant lastUsed = Instant.now();

    Limited(double rate) {
      this.rate = rate;
      this.bucket = Bucket.builder().withNanosecondPrecision().addLimit(bandwidth(rate)).build();
    }
  }

  private final QuotaConfigBlockingStub quotas;
  private final Properties properties;
  private final Map<String, Rates> rates = new ConcurrentHashMap<>();
  private final Map<String, Limited> buckets = new ConcurrentHashMap<>();

  RateLimits(QuotaConfigBlockingStub quotas, Properties properties) {
    this.quotas = quotas;
    this.properties = properties;
  }

  /** Takes one request from the org's bucket (and the project's, if it has its own rate); a refusal says when to retry. */
  public Optional<Refusal.Throttled> take(String org, String project) {
    Rates current = ratesOf(org);
    Optional<Refusal.Throttled> refused = take(org, current.org(), "org '" + org + "'");
    if (refused.isPresent() || project == null || !current.projects().containsKey(project)) {
      return refused;
    }
    Optional<Refusal.Throttled> projectRefused = take(org + "/" + project, current.projects().get(project), "project '" + project + "'");
    if (projectRefused.isPresent()) {
      buckets.get(org).bucket.addTokens(1);
    }
    return projectRefused;
  }

  private Optional<Refusal.Throttled> take(String key, double rate, String who) {
    Limited limited = buckets.computeIfAbsent(key, k -> {
      evictIdleIfFull();
      return new Limited(rate);
    });
    if (limited.rate != rate) {
      synchronized (limited) {
        limited.bucket.replaceConfiguration(configuration(rate), TokensInheritanceStrategy.AS_IS);
        limited.rate = rate;
      }
    }
    limited.lastUsed = Instant.now();
    ConsumptionProbe probe = limited.bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return Optional.empty();
    }
    return Optional.of(new Refusal.Throttled(who + " is over its rate limit of " + format(rate)
        + " requests per second (requestsPerSecond in its quota)", Duration.ofNanos(probe.getNanosToWaitForRefill())));
  }

  /** One second's worth of tokens, refilled evenly; a rate below one a second still lets one request through. */
  private static Bandwidth bandwidth(double rate) {
    long perMinute = Math.max(1, Math.round(rate * 60));
    long capacity = Math.max(1, (long) Math.ceil(rate));
    return Bandwidth.builder().capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)).build();
  }

  private static BucketConfiguration configuration(double rate) {
    return BucketConfiguration.builder().addLimit(bandwidth(rate)).build();
  }

  private Rates ratesOf(String org) {
    Rates cached = rates.get(org);
    if (cached != null && cached.readAt().isAfter(Instant.now().minus(properties.refresh()))) {
      return cached;
    }
    try {
      OrgQuotas quotas = this.quotas.withDeadlineAfter(2, TimeUnit.SECONDS).getOrgQuotas(GetOrgQuotasRequest.newBuilder().setOrg(org).build());
      Map<String, Double> projects = new HashMap<>();
      for (Quota project : quotas.getProjectsList()) {
        if (project.hasRequestsPerSecond()) {
          projects.put(project.getProject(), project.getRequestsPerSecond());
        }
      }
      Rates fresh = new Rates(quotas.getOrg().hasRequestsPerSecond() ? quotas.getOrg().getRequestsPerSecond()
          : properties.defaultRequestsPerSecond(), projects, Instant.now());
      rates.put(org, fresh);
      return fresh;
    } catch (StatusRuntimeException e) {
      log.debug("cannot read the rates of {} ({}); keeping the last known", org, e.getStatus());
      return cached != null ? cached : new Rates(properties.defaultRequestsPerSecond(), Map.of(), Instant.now());
    }
  }

  private void evictIdleIfFull() {
    if (buckets.size() >= properties.maxTrackedKeys()) {
      Instant idle = Instant.now().minusSeconds(60);
      buckets.entrySet().removeIf(e -> e.getValue().lastUsed.isBefore(idle));
      rates.keySet().retainAll(buckets.keySet());
    }
  }

  private static String format(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }
}
