package dev.meridian.router.admission;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param tenantService   gRPC target of tenant-service, where quotas are configured
 * @param quotaRefresh    how old a cached quota may get; changes reach admission within about this long
 * @param sweepInterval   how often every org with queued work gets a pass even if nothing woke it
 * @param headsPerProject how many queued requests of each project one pass looks at
 * @param recheck         how long a workflow waits for its admission signal before asking again
 */
@ConfigurationProperties("meridian.router.admission")
public record AdmissionProperties(String tenantService, Duration quotaRefresh, Duration sweepInterval, Integer headsPerProject,
    Duration recheck) {

  public AdmissionProperties {
    tenantService = tenantService == null ? "127.0.0.1:9191" : tenantService;
    quotaRefresh = quotaRefresh == null ? Duration.ofSeconds(2) : quotaRefresh;
    sweepInterval = sweepInterval == null ? Duration.ofSeconds(2) : sweepInterval;
    headsPerProject = headsPerProject == null ? 256 : headsPerProject;
    recheck = recheck == null ? Duration.ofMinutes(5) : recheck;
  }
}
