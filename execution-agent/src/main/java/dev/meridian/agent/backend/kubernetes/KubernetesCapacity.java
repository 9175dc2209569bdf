package dev.meridian.agent.backend.kubernetes;

import dev.meridian.proto.agent.v1.Capacity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a cluster can run: the sum of its schedulable nodes' allocatable CPU, memory and GPUs (by the GPU-type node label). */
public final class KubernetesCapacity {

  private KubernetesCapacity() {}

  public static Capacity of(List<Node> nodes, String gpuNodeLabel) {
    long milliCpu = 0;
    long memoryMiB = 0;
    Map<String, Integer> gpus = new HashMap<>();
    for (Node node : nodes) {
      if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
        continue;
      }
      Map<String, Quantity> allocatable = node.getStatus() == null || node.getStatus().getAllocatable() == null
          ? Map.of() : node.getStatus().getAllocatable();
      milliCpu += amount(allocatable.get("cpu")).multiply(BigDecimal.valueOf(1000)).longValue();
      memoryMiB += amount(allocatable.get("memory")).divide(BigDecimal.valueOf(1024L * 1024), java.math.RoundingMode.FLOOR).longValue();
      int nodeGpus = amount(allocatable.get("nvidia.com/gpu")).intValue();
      String type = node.getMetadata().getLabels() == null ? null : node.getMetadata().getLabels().get(gpuNodeLabel);
      if (nodeGpus > 0 && type != null) {
        gpus.merge(type, nodeGpus, Integer::sum);
      }
    }
    return Capacity.newBuilder().setMilliCpu(milliCpu).setMemoryMib(memoryMiB).putAllGpus(gpus).build();
  }

  private static BigDecimal amount(Quantity quantity) {
    return quantity == null ? BigDecimal.ZERO : quantity.getNumericalAmount();
  }
}
