package dev.meridian.router.placement;

import dev.meridian.workflow.ResourceRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a task runs. Pure: the caller passes the org's clusters as they are now.
 *
 * <ul>
 *   <li>Eligible: connected, healthy (heard from recently), not cordoned or draining, has every required label
 *       and has the request free right now — never more than the cluster reported free.
 *   <li>Among the eligible, prefer a cluster where the execution already ran; keep GPU clusters for
 *       GPU work (a CPU-only task prefers a cluster without GPUs); then spread: the cluster that
 *       keeps the most headroom; ties by id.
 *   <li>If no cluster could ever run it (labels, GPU type or total size), that is {@link Impossible};
 *       a cluster whose agent never connected might, so its existence means {@link Wait}.
 * </ul>
 */
public final class PlacementPolicy {

  private PlacementPolicy() {}

  public sealed interface Decision {}

  public record Placed(String clusterId) implements Decision {}

  /** Could run somewhere, not now; {@code reason} says why, for the read model. */
  public record Wait(String reason) implements Decision {}

  /** No cluster of the org can ever run it. */
  public record Impossible(String reason) implements Decision {}

  public static Decision place(ResourceRequest request, Map<String, String> requiredLabels, Set<String> preferred,
      List<ClusterView> clusters) {
    Optional<Impossible> impossible = impossible(request, requiredLabels, clusters);
    if (impossible.isPresent()) {
      return impossible.get();
    }
    List<ClusterView> eligible = new ArrayList<>();
    List<String> why = new ArrayList<>();
    for (ClusterView cluster : clusters) {
      if (!hasLabels(cluster, requiredLabels) || (cluster.total() != null && !cluster.total().fits(request))) {
        continue;
      }
      if (cluster.cordoned()) {
        why.add(cluster.name() + " is cordoned");
      } else if (cluster.draining()) {
        why.add(cluster.name() + " is draining");
      } else if (!cluster.connected()) {
        why.add(cluster.name() + " is not connected");
      } else if (!cluster.healthy()) {
        why.add(cluster.name() + " missed its heartbeats");
      } else if (cluster.free() == null || !cluster.free().fits(request)) {
        why.add(cluster.name() + " has only " + (cluster.free() == null ? "nothing" : cluster.free().describe()) + " free");
      } else {
        eligible.add(cluster);
      }
    }
    if (eligible.isEmpty()) {
      return new Wait("waiting for capacity (" + request.describe() + "): " + String.join("; ", why));
    }
    Comparator<ClusterView> order = Comparator
        .comparing((ClusterView c) -> !preferred.contains(c.id()))
        .thenComparing(c -> request.gpus() == 0 && c.total() != null && c.total().gpus().values().stream().anyMatch(n -> n > 0))
        .thenComparing(c -> -c.free().headroomAfter(request, c.total() == null ? c.free() : c.total()))
        .thenComparing(ClusterView::id);
    return new Placed(eligible.stream().min(order).orElseThrow().id());
  }

  /** Empty if some cluster of the org could run the request at some point. */
  public static Optional<Impossible> impossible(ResourceRequest request, Map<String, String> requiredLabels, List<ClusterView> clusters) {
    if (clusters.isEmpty()) {
      return Optional.of(new Impossible("the org has no clusters; register one with POST /api/v1/orgs/{org}/clusters and install its agent"));
    }
    List<ClusterView> labelled = clusters.stream().filter(c -> hasLabels(c, requiredLabels)).toList();
    if (labelled.isEmpty()) {
      return Optional.of(new Impossible("no cluster of the org has the labels " + requiredLabels));
    }
    boolean anyFits = labelled.stream().anyMatch(c -> c.total() == null || c.total().fits(request));
    if (!anyFits) {
      return Optional.of(new Impossible("no cluster of the org is big enough for " + request.describe() + "; the largest has "
          + labelled.stream().map(c -> c.name() + ": " + c.total().describe()).toList()));
    }
    return Optional.empty();
  }

  private static boolean hasLabels(ClusterView cluster, Map<String, String> required) {
    return required.entrySet().stream().allMatch(e -> e.getValue().equals(cluster.labels().get(e.getKey())));
  }
}
