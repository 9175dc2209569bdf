package dev.meridian.router.admission;

import dev.meridian.proto.tenant.v1.GetOrgQuotasRequest;
import dev.meridian.proto.tenant.v1.OrgQuotas;
import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import jakarta.annotation.PreDestroy;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The quotas of each org as tenant-service has them, read at most every {@code quotaRefresh}. When
 * tenant-service cannot be reached the last known quotas stay in force; an org never read cannot
 * be admitted against (its tasks wait, they do not run unchecked).
 */
@Component
public class QuotaCache {

  private static final Logger log = LoggerFactory.getLogger(QuotaCache.class);

  /** What admission and the launch limit need of an org's quotas. Absent values are unlimited. */
  public record Limits(Map<String, Long> org, Map<String, AdmissionPolicy.ProjectQuota> projects, Integer maxQueuedExecutions,
      Map<String, Integer> maxQueuedByProject) {

    static Limits of(OrgQuotas quotas) {
      Map<String, AdmissionPolicy.ProjectQuota> projects = new HashMap<>();
      Map<String, Integer> queued = new HashMap<>();
      for (Quota project : quotas.getProjectsList()) {
        projects.put(project.getProject(), new AdmissionPolicy.ProjectQuota(Resources.limits(project),
            !project.hasBorrow() || project.getBorrow()));
        if (project.hasMaxQueuedExecutions()) {
          queued.put(project.getProject(), project.getMaxQueuedExecutions());
        }
      }
      Quota org = quotas.getOrg();
      return new Limits(Resources.limits(org), projects, org.hasMaxQueuedExecutions() ? org.getMaxQueuedExecutions() : null, queued);
    }
  }

  /** Thrown when an org's quotas were never read and tenant-service does not answer. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String org, Throwable cause) {
      super("the quotas of org '" + org + "' cannot be read: tenant-service is unavailable", cause);
    }
  }

  private record Cached(Limits limits, Instant readAt) {}

  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private final ManagedChannel channel;
  private final QuotaConfigGrpc.QuotaConfigBlockingStub quotas;
  private final AdmissionProperties properties;

  QuotaCache(AdmissionProperties properties, ServiceTls tls) {
    this.properties = properties;
    this.channel = ServiceChannels.toService(properties.tenantService(), tls, TenancyGrpc.clientInterceptor());
    this.quotas = QuotaConfigGrpc.newBlockingStub(channel);
  }

  public Limits of(String org) {
    Cached cached = cache.get(org);
    if (cached != null && cached.readAt().isAfter(Instant.now().minus(properties.quotaRefresh()))) {
      return cached.limits();
    }
    try {
      Limits limits = Limits.of(quotas.withDeadlineAfter(5, TimeUnit.SECONDS)
          .getOrgQuotas(GetOrgQuotasRequest.newBuilder().setOrg(org).build()));
      cache.put(org, new Cached(limits, Instant.now()));
      return limits;
    } catch (StatusRuntimeException e) {
      if (cached != null) {
        log.warn("cannot refresh the quotas of {} ({}); the last known ones stay in force", org, e.getStatus());
        return cached.limits();
      }
      throw new Unavailable(org, e);
    }
  }

  @PreDestroy
  void close() {
    channel.shutdownNow();
  }
}
