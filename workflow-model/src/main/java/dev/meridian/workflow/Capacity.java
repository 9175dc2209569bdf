package dev.meridian.workflow;

import java.util.HashMap;
import java.util.Map;

/**
 * CPU, memory and GPUs by type: what a cluster has, has free, or has allocated. The one resource
 * vector of the platform; a {@link ResourceRequest} is what one attempt takes out of it.
 */
public record Capacity(long milliCpu, long memoryMiB, Map<String, Integer> gpus) {

  public static final Capacity NONE = new Capacity(0, 0, Map.of());

  public Capacity {
    gpus = Map.copyOf(gpus);
  }

  public boolean fits(ResourceRequest request) {
    return milliCpu >= request.milliCpu() && memoryMiB >= request.memoryMiB()
        && (request.gpus() == 0 || gpus.getOrDefault(request.gpuType(), 0) >= request.gpus());
  }

  public Capacity minus(ResourceRequest request) {
    Map<String, Integer> left = new HashMap<>(gpus);
    if (request.gpus() > 0) {
      left.merge(request.gpuType(), -request.gpus(), Integer::sum);
    }
    return new Capacity(milliCpu - request.milliCpu(), memoryMiB - request.memoryMiB(), left);
  }

  public Capacity minus(Capacity other) {
    Map<String, Integer> left = new HashMap<>(gpus);
    other.gpus().forEach((type, count) -> left.merge(type, -count, Integer::sum));
    return new Capacity(milliCpu - other.milliCpu(), memoryMiB - other.memoryMiB(), left);
  }

  /** The smallest share left of any resource the request uses: how roomy the cluster stays. */
  public double headroomAfter(ResourceRequest request, Capacity total) {
    Capacity left = minus(request);
    double headroom = Math.min(ratio(left.milliCpu(), total.milliCpu()), ratio(left.memoryMiB(), total.memoryMiB()));
    if (request.gpus() > 0) {
      headroom = Math.min(headroom, ratio(left.gpus().getOrDefault(request.gpuType(), 0), total.gpus().getOrDefault(request.gpuType(), 0)));
    }
    return headroom;
  }

  private static double ratio(long part, long whole) {
    return whole <= 0 ? 0 : (double) part / whole;
  }

  public String describe() {
    String gpu = gpus.isEmpty() ? "" : ", GPUs " + new java.util.TreeMap<>(gpus);
    return milliCpu + "m CPU, " + memoryMiB + " MiB" + gpu;
  }
}
