package dev.meridian.gateway.quota;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.gateway.project.Scope;
import dev.meridian.proto.router.v1.ExecutionRouterGrpc.ExecutionRouterBlockingStub;
import dev.meridian.proto.router.v1.GetQuotaUsageRequest;
import dev.meridian.proto.router.v1.QuotaUsage;
import dev.meridian.proto.tenant.v1.GetQuotaRequest;
import dev.meridian.proto.tenant.v1.ListQuotaChangesRequest;
import dev.meridian.proto.tenant.v1.ListQuotaChangesResponse;
import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc.QuotaConfigBlockingStub;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Quotas of an org and its projects (kept by tenant-service, which checks them against each other)
 * and what the org uses of them right now (from the router's admission ledger).
 */
@Service
public class Quotas {

  private static final Set<String> ORG_FIELDS = Set.of("gpus", "cpuCores", "memoryGiB", "maxConcurrentExecutions",
      "maxQueuedExecutions", "requestsPerSecond");

  private final QuotaConfigBlockingStub config;
  private final ExecutionRouterBlockingStub router;
  private final Projects projects;

  Quotas(QuotaConfigBlockingStub config, ExecutionRouterBlockingStub router, Projects projects) {
    this.config = config;
    this.router = router;
    this.projects = projects;
  }

  private QuotaConfigBlockingStub config() {
    return config.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** {@code project} null: the org's own quota. */
  public Outcome<Quota> get(String org, String project) {
    Optional<Refusal> missing = exists(org, project);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("tenant-service", () -> config().getQuota(GetQuotaRequest.newBuilder().setOrg(org)
        .setProject(project == null ? "" : project).build()));
  }

  /** Replaces the quota with {@code body}; what the body leaves out is unlimited (for a project: not guaranteed). */
  public Outcome<Quota> set(String org, String project, JsonNode body) {
    Optional<Refusal> missing = exists(org, project);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Quota.Builder quota = parse(body, project != null, violations).setOrg(org).setProject(project == null ? "" : project);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the quota is invalid", violations));
    }
    return Downstream.call("tenant-service", () -> config().setQuota(
        dev.meridian.proto.tenant.v1.SetQuotaRequest.newBuilder().setQuota(quota).build()));
  }

  public Outcome<QuotaUsage> usage(String org) {
    Optional<Refusal> missing = exists(org, null);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> router.withDeadlineAfter(10, TimeUnit.SECONDS)
        .getQuotaUsage(GetQuotaUsageRequest.newBuilder().setOrg(org).build()));
  }

  public Outcome<ListQuotaChangesResponse> changes(String org, int limit) {
    Optional<Refusal> missing = exists(org, null);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("tenant-service", () -> config().listQuotaChanges(ListQuotaChangesRequest.newBuilder().setOrg(org)
        .setLimit(Math.clamp(limit, 1, 500)).build()));
  }

  private Optional<Refusal> exists(String org, String project) {
    return project == null ? projects.checkOrg(org) : projects.check(new Scope(org, project, Scope.DOMAINS.getFirst()));
  }

  private static Quota.Builder parse(JsonNode body, boolean isProject, List<Violation> violations) {
    Quota.Builder quota = Quota.newBuilder();
    if (body == null || !body.isObject()) {
      violations.add(new Violation("", "the quota must be a JSON object"));
      return quota;
    }
    Fields fields = new Fields(body, "", violations);
    Set<String> known = new HashSet<>(ORG_FIELDS);
    if (isProject) {
      known.add("borrow");
    }
    fields.onlyKnown(known);
    Fields gpus = fields.object("gpus", false);
    if (gpus != null) {
      for (var gpu : gpus.node().properties()) {
        if (gpu.getKey().length() > 100) {
          violations.add(new Violation("/gpus", "a GPU type name is at most 100 characters"));
          continue;
        }
        if (!gpu.getValue().isIntegralNumber() || !gpu.getValue().canConvertToLong() || gpu.getValue().asLong() < 0 || gpu.getValue().asLong() > 1_000_000) {
          violations.add(new Violation("/gpus/" + gpu.getKey(), "must be a whole number of GPUs from 0 to 1000000"));
        } else {
          quota.putGpus(gpu.getKey(), gpu.getValue().asInt());
        }
      }
    }
    number(fields, "cpuCores", violations).ifPresent(quota::setCpuCores);
    number(fields, "memoryGiB", violations).ifPresent(quota::setMemoryGib);
    number(fields, "requestsPerSecond", violations).ifPresent(quota::setRequestsPerSecond);
    if (fields.get("maxConcurrentExecutions") != null) {
      quota.setMaxConcurrentExecutions(fields.integer("maxConcurrentExecutions", 0, 0, 1_000_000));
    }
    if (fields.get("maxQueuedExecutions") != null) {
      quota.setMaxQueuedExecutions(fields.integer("maxQueuedExecutions", 0, 0, 1_000_000));
    }
    if (isProject && fields.get("borrow") != null) {
      quota.setBorrow(fields.bool("borrow", true));
    }
    return quota;
  }

  private static Optional<Double> number(Fields fields, String field, List<Violation> violations) {
    JsonNode value = fields.get(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isNumber()) {
      violations.add(new Violation(fields.at(field), field + " must be a number"));
      return Optional.empty();
    }
    return Optional.of(value.asDouble());
  }
}
