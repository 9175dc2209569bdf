package dev.meridian.gateway.quota;

import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.router.v1.ProjectUsage;
import dev.meridian.proto.router.v1.QuotaUsage;
import dev.meridian.proto.router.v1.Reserved;
import dev.meridian.proto.tenant.v1.ListQuotaChangesResponse;
import dev.meridian.proto.tenant.v1.Quota;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON of API.md's quota calls. A limit that is absent is no limit. */
final class QuotaViews {

  private QuotaViews() {}

  static Map<String, Object> quota(Quota quota) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("gpus", new TreeMap<>(quota.getGpusMap()));
    if (quota.hasCpuCores()) view.put("cpuCores", quota.getCpuCores());
    if (quota.hasMemoryGib()) view.put("memoryGiB", quota.getMemoryGib());
    if (quota.hasMaxConcurrentExecutions()) view.put("maxConcurrentExecutions", quota.getMaxConcurrentExecutions());
    if (quota.hasMaxQueuedExecutions()) view.put("maxQueuedExecutions", quota.getMaxQueuedExecutions());
    if (quota.hasRequestsPerSecond()) view.put("requestsPerSecond", quota.getRequestsPerSecond());
    if (!quota.getProject().isEmpty()) view.put("borrow", !quota.hasBorrow() || quota.getBorrow());
    if (quota.hasUpdatedAt()) {
      view.put("updatedAt", Timestamps.toString(quota.getUpdatedAt()));
      view.put("updatedBy", quota.getUpdatedBy());
    }
    return view;
  }

  static Map<String, Object> usage(QuotaUsage usage) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("reserved", reserved(usage.getReserved()));
    view.put("runningExecutions", usage.getRunningExecutions());
    view.put("queuedExecutions", usage.getQueuedExecutions());
    view.put("queuedTasks", usage.getQueuedTasks());
    Map<String, Object> byProject = new TreeMap<>();
    for (Map.Entry<String, ProjectUsage> project : usage.getByProjectMap().entrySet()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("reserved", reserved(project.getValue().getReserved()));
      p.put("runningExecutions", project.getValue().getRunningExecutions());
      p.put("queuedExecutions", project.getValue().getQueuedExecutions());
      p.put("queuedTasks", project.getValue().getQueuedTasks());
      byProject.put(project.getKey(), p);
    }
    view.put("byProject", byProject);
    return view;
  }

  private static Map<String, Object> reserved(Reserved reserved) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("gpus", new TreeMap<>(reserved.getGpusMap()));
    view.put("cpuCores", reserved.getMilliCpu() / 1000.0);
    view.put("memoryGiB", reserved.getMemoryMib() / 1024.0);
    return view;
  }

  static Map<String, Object> changes(ListQuotaChangesResponse changes) {
    List<Map<String, Object>> items = new ArrayList<>();
    for (var change : changes.getItemsList()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("project", change.getProject().isEmpty() ? null : change.getProject());
      item.put("actor", change.getActor());
      item.put("changedAt", Timestamps.toString(change.getChangedAt()));
      item.put("before", change.hasBefore() ? quota(change.getBefore().toBuilder().setProject(change.getProject()).build()) : null);
      item.put("after", quota(change.getAfter().toBuilder().setProject(change.getProject()).build()));
      items.add(item);
    }
    return Map.of("items", items);
  }
}
