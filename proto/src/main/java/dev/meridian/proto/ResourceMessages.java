package dev.meridian.proto;

import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.proto.agent.v1.Resources;
import dev.meridian.workflow.ResourceRequest;

/**
 * The platform's resource vocabulary on the wire: one translation each way, so the gateway, the
 * router and the agent cannot each drop a field differently.
 */
public final class ResourceMessages {

  private ResourceMessages() {}

  public static Resources toMessage(ResourceRequest request) {
    return Resources.newBuilder().setMilliCpu(request.milliCpu()).setMemoryMib(request.memoryMiB())
        .setGpus(request.gpus()).setGpuType(request.gpuType() == null ? "" : request.gpuType()).build();
  }

  public static ResourceRequest request(Resources resources) {
    return new ResourceRequest(resources.getMilliCpu(), resources.getMemoryMib(), resources.getGpus(), resources.getGpuType());
  }

  public static Capacity toMessage(dev.meridian.workflow.Capacity capacity) {
    return Capacity.newBuilder().setMilliCpu(capacity.milliCpu()).setMemoryMib(capacity.memoryMiB()).putAllGpus(capacity.gpus()).build();
  }

  public static dev.meridian.workflow.Capacity capacity(Capacity capacity) {
    return new dev.meridian.workflow.Capacity(capacity.getMilliCpu(), capacity.getMemoryMib(), capacity.getGpusMap());
  }
}
