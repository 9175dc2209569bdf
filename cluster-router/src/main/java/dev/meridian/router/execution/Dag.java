package dev.meridian.router.execution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which nodes of a plan are ready, kept incrementally: each success lowers its dependents' count of
 * upstream nodes still to succeed, so a whole run costs the number of edges rather than a scan of
 * every node per event. Deterministic (the workflow uses it during replay): plan order breaks ties.
 */
final class Dag {

  private final List<Plan.Node> nodes;
  private final Map<String, Integer> index = new HashMap<>();
  private final int[] upstreamLeft;
  private final List<List<Integer>> downstream = new ArrayList<>();
  private final TreeSet<Integer> ready = new TreeSet<>();
  private final Set<String> started;
  private final Set<String> succeeded;

  /** A plan's DAG with {@code succeeded} and {@code started} as a run carried over from its predecessor left them. */
  Dag(Plan plan, Collection<String> succeeded, Collection<String> started) {
    this.nodes = plan.nodes();
    this.started = new LinkedHashSet<>(started);
    this.succeeded = new LinkedHashSet<>(succeeded);
    this.upstreamLeft = new int[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i).id(), i);
      downstream.add(new ArrayList<>());
    }
    for (int i = 0; i < nodes.size(); i++) {
      for (String upstream : DagPlanner.upstream(nodes.get(i))) {
        downstream.get(index.get(upstream)).add(i);
        if (!this.succeeded.contains(upstream)) {
          upstreamLeft[i]++;
        }
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (upstreamLeft[i] == 0 && !this.started.contains(nodes.get(i).id())) {
        ready.add(i);
      }
    }
  }

  /** Up to {@code slots} ready nodes, in plan order, now counted as started. */
  List<Plan.Node> start(int slots) {
    List<Plan.Node> taken = new ArrayList<>();
    while (taken.size() < slots && !ready.isEmpty()) {
      Plan.Node node = nodes.get(ready.pollFirst());
      started.add(node.id());
      taken.add(node);
    }
    return taken;
  }

  void succeeded(String nodeId) {
    if (!succeeded.add(nodeId)) {
      return;
    }
    for (int dependent : downstream.get(index.get(nodeId))) {
      if (--upstreamLeft[dependent] == 0 && !started.contains(nodes.get(dependent).id())) {
        ready.add(dependent);
      }
    }
  }

  boolean hasReady() {
    return !ready.isEmpty();
  }

  Plan.Node node(String nodeId) {
    return nodes.get(index.get(nodeId));
  }

  boolean allSucceeded() {
    return succeeded.size() == nodes.size();
  }

  Set<String> started() {
    return started;
  }

  Set<String> succeededNodes() {
    return succeeded;
  }

  List<String> notStarted() {
    return nodes.stream().map(Plan.Node::id).filter(id -> !started.contains(id)).toList();
  }

  /** Nodes not yet started that read {@code nodeId}'s outputs: while there are any, its outputs must be kept. */
  boolean hasWaitingReaders(String nodeId) {
    return downstream.get(index.get(nodeId)).stream().anyMatch(i -> !started.contains(nodes.get(i).id()));
  }
}
