package dev.meridian.tenant.quota;

import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.FieldViolations;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What makes a quota acceptable. A project's limits are its guaranteed share of the org's: none may
 * exceed the org's, and the guarantees of all projects together may not either, or they would not
 * be guarantees. Pure: the caller supplies the org's current quotas.
 */
final class QuotaRules {

  /** A problem with one field, located by a JSON pointer into the REST body. */
  record Problem(String pointer, String message) implements FieldViolations.Located {}

  private static final Pattern GPU_TYPE = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
  private static final int MAX_GPUS = 1_000_000;

  /** One limit of a quota; {@code summed}: the projects' guarantees of it add up (a rate or a queue length does not). */
  private record Dimension(String pointer, String unit, boolean summed, Function<Quota, Double> value) {}

  private static final List<Dimension> FIXED = List.of(
      new Dimension("/cpuCores", "CPU cores", true, q -> q.hasCpuCores() ? q.getCpuCores() : null),
      new Dimension("/memoryGiB", "GiB of memory", true, q -> q.hasMemoryGib() ? q.getMemoryGib() : null),
      new Dimension("/maxConcurrentExecutions", "concurrent executions", true,
          q -> q.hasMaxConcurrentExecutions() ? (double) q.getMaxConcurrentExecutions() : null),
      new Dimension("/maxQueuedExecutions", "queued executions", false,
          q -> q.hasMaxQueuedExecutions() ? (double) q.getMaxQueuedExecutions() : null),
      new Dimension("/requestsPerSecond", "requests per second", false,
          q -> q.hasRequestsPerSecond() ? q.getRequestsPerSecond() : null));

  private QuotaRules() {}

  /**
   * @param candidate the new quota (the org's when its project is empty)
   * @param orgQuota  the org's current quota, if any (unused when the candidate is the org's)
   * @param projects  the current quotas of the org's projects
   */
  static List<Problem> check(Quota candidate, Optional<Quota> orgQuota, List<Quota> projects) {
    List<Problem> problems = shape(candidate);
    if (!problems.isEmpty()) {
      return problems;
    }
    boolean isOrg = candidate.getProject().isEmpty();
    Quota org = isOrg ? candidate : orgQuota.orElse(Quota.getDefaultInstance());
    List<Quota> guarantees = new ArrayList<>(projects.stream().filter(p -> !p.getProject().equals(candidate.getProject())).toList());
    if (!isOrg) {
      guarantees.add(candidate);
    }
    for (Dimension dimension : dimensions(org, guarantees)) {
      Double limit = dimension.value().apply(org);
      if (limit == null) {
        continue;
      }
      double sum = 0;
      for (Quota project : guarantees) {
        Double guaranteed = dimension.value().apply(project);
        if (guaranteed != null && guaranteed > limit) {
          problems.add(new Problem(dimension.pointer(), (isOrg ? "project '" + project.getProject() + "' is guaranteed "
              + amount(dimension, guaranteed) + ", more than" : amount(dimension, guaranteed) + " is more than")
              + " the org's " + amount(dimension, limit)));
        }
        sum += guaranteed == null ? 0 : guaranteed;
      }
      if (problems.isEmpty() && dimension.summed() && sum > limit) {
        problems.add(new Problem(dimension.pointer(), "the projects' guaranteed shares would add up to " + amount(dimension, sum)
            + ", more than the org's " + amount(dimension, limit)));
      }
    }
    return problems;
  }

  private static List<Dimension> dimensions(Quota org, List<Quota> projects) {
    TreeSet<String> gpuTypes = new TreeSet<>(org.getGpusMap().keySet());
    projects.forEach(project -> gpuTypes.addAll(project.getGpusMap().keySet()));
    List<Dimension> dimensions = new ArrayList<>(FIXED);
    for (String type : gpuTypes) {
      dimensions.add(new Dimension("/gpus/" + type, type + " GPUs", true,
          q -> q.containsGpus(type) ? (double) q.getGpusOrThrow(type) : null));
    }
    return dimensions;
  }

  private static List<Problem> shape(Quota quota) {
    List<Problem> problems = new ArrayList<>();
    quota.getGpusMap().forEach((type, count) -> {
      if (!GPU_TYPE.matcher(type).matches()) {
        problems.add(new Problem("/gpus/" + type, "'" + (type.length() > 60 ? type.substring(0, 60) + "…" : type) + "' is not a GPU type like \"nvidia-h100\" (lower-case letters, digits, '-' and '.')"));
      } else if (count < 0 || count > MAX_GPUS) {
        problems.add(new Problem("/gpus/" + type, "must be a whole number of GPUs from 0 to " + MAX_GPUS));
      }
    });
    if (quota.hasCpuCores() && !(quota.getCpuCores() >= 0 && quota.getCpuCores() <= 10_000_000)) {
      problems.add(new Problem("/cpuCores", "must be a number of cores from 0 to 10000000 (e.g. 64 or 0.5)"));
    }
    if (quota.hasMemoryGib() && !(quota.getMemoryGib() >= 0 && quota.getMemoryGib() <= 1e9)) {
      problems.add(new Problem("/memoryGiB", "must be a number of GiB from 0 to 1000000000"));
    }
    if (quota.hasMaxConcurrentExecutions() && quota.getMaxConcurrentExecutions() < 0) {
      problems.add(new Problem("/maxConcurrentExecutions", "must not be negative"));
    }
    if (quota.hasMaxQueuedExecutions() && quota.getMaxQueuedExecutions() < 0) {
      problems.add(new Problem("/maxQueuedExecutions", "must not be negative"));
    }
    if (quota.hasRequestsPerSecond() && !(quota.getRequestsPerSecond() > 0 && quota.getRequestsPerSecond() <= 100_000)) {
      problems.add(new Problem("/requestsPerSecond", "must be more than 0 and at most 100000"));
    }
    if (quota.getProject().isEmpty() && quota.hasBorrow()) {
      problems.add(new Problem("/borrow", "borrow is set per project: it says whether a project may use idle org capacity"));
    }
    return problems;
  }

  private static String amount(Dimension dimension, double value) {
    String number = value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    return number + " " + dimension.unit();
  }
}
