package dev.meridian.router.admission;

import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.workflow.ResourceRequest;
import java.util.HashMap;
import java.util.Map;

/** The names admission counts resources by, and conversions from quotas and task requests to them. */
public final class Resources {

  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String EXECUTIONS = "executions";
  public static final String GPU_PREFIX = "gpu:";

  private Resources() {}

  /** What one attempt of a task reserves. */
  public static Map<String, Long> of(ResourceRequest request) {
    Map<String, Long> demand = new HashMap<>();
    demand.put(CPU, request.milliCpu());
    demand.put(MEMORY, request.memoryMiB());
    if (request.gpus() > 0) {
      demand.put(GPU_PREFIX + request.gpuType(), (long) request.gpus());
    }
    return demand;
  }

  /** What an execution reserves for its whole run: one of the org's concurrent executions. */
  public static Map<String, Long> execution() {
    return Map.of(EXECUTIONS, 1L);
  }

  /** The limits a quota sets; what it leaves out is unlimited. */
  public static Map<String, Long> limits(Quota quota) {
    Map<String, Long> limits = new HashMap<>();
    quota.getGpusMap().forEach((type, count) -> limits.put(GPU_PREFIX + type, (long) count));
    if (quota.hasCpuCores()) {
      limits.put(CPU, Math.round(quota.getCpuCores() * 1000));
    }
    if (quota.hasMemoryGib()) {
      limits.put(MEMORY, Math.round(quota.getMemoryGib() * 1024));
    }
    if (quota.hasMaxConcurrentExecutions()) {
      limits.put(EXECUTIONS, (long) quota.getMaxConcurrentExecutions());
    }
    return limits;
  }

  static String unitOf(String resource) {
    return switch (resource) {
      case CPU -> "CPU millicores";
      case MEMORY -> "MiB of memory";
      case EXECUTIONS -> "concurrent executions";
      default -> resource.startsWith(GPU_PREFIX) ? resource.substring(GPU_PREFIX.length()) + " GPUs" : resource;
    };
  }
}
