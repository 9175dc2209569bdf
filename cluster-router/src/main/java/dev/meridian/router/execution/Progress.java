package dev.meridian.router.execution;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an execution's workflow run hands to the next when its history reaches the budget and it
 * continues as new (ADR 0007). The workflow's second argument, serialised by Temporal's JSON
 * converter: add fields, never rename. Only outputs some unstarted node or the execution's own
 * outputs still read are carried.
 *
 * @param failure the first node failure's message, {@code failedNode} its node
 */
public record Progress(Set<String> started, Set<String> succeeded, Map<String, String> outputs, List<NodeState> nodes,
    String stopRunning, String terminatedBecause, String failedNode, String failure, List<MapState> maps) {

  public Progress {
    // Sorted, never hashed: a replay on another JVM must see the same order.
    started = Collections.unmodifiableSortedSet(new TreeSet<>(started));
    succeeded = Collections.unmodifiableSortedSet(new TreeSet<>(succeeded));
    outputs = Collections.unmodifiableSortedMap(new TreeMap<>(outputs));
    nodes = List.copyOf(nodes);
    maps = maps == null ? List.of() : List.copyOf(maps);
  }

  public Progress(Set<String> started, Set<String> succeeded, Map<String, String> outputs, List<NodeState> nodes,
      String stopRunning, String terminatedBecause, String failedNode, String failure) {
    this(started, succeeded, outputs, nodes, stopRunning, terminatedBecause, failedNode, failure, List.of());
  }

  /**
   * A map node between two runs: the items started so far ({@code next}: every item below it
   * started), and which ended how, as {@link java.util.BitSet} bytes in Base64 — 100,000 items take
   * 17 KB. Its inputs are resolved again from the plan and the carried outputs (the collection is
   * not carried twice). Items still running are {@link NodeState}s with their {@code item}.
   * {@code firstFailure}: the error of the first item that failed for good.
   */
  public record MapState(String nodeId, long readyAtMillis, int next, String succeeded, String failed, String firstFailure) {}

  /**
   * A node started but not finished, between two steps: no activity of it is in flight when a run
   * continues as new. {@code outcome}: its attempt ended while the run handed over; the next settles it.
   * {@code item}: set for an item of map node {@code nodeId}, whose inputs the map's state gives.
   */
  public record NodeState(String nodeId, String inputsJson, long readyAtMillis, int attempt, int userFailures, int lost,
      Stage stage, long deadlineMillis, AttemptOutcome outcome, Integer item) {

    public NodeState(String nodeId, String inputsJson, long readyAtMillis, int attempt, int userFailures, int lost,
        Stage stage, long deadlineMillis, AttemptOutcome outcome) {
      this(nodeId, inputsJson, readyAtMillis, attempt, userFailures, lost, stage, deadlineMillis, outcome, null);
    }
  }

  public enum Stage {
    /** Its next attempt is to begin (admission, then dispatch). */
    BEGIN,
    /** Admitted, not yet handed to a cluster. */
    DISPATCH,
    /** Queued for quota; the ledger signals the admission. */
    AWAITING_ADMISSION,
    /** On a cluster; its agent signals the end. {@code deadlineMillis} (0: none) is when the workflow stops waiting. */
    RUNNING
  }
}
