package dev.meridian.router.execution;

import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.Phase;
import dev.meridian.workflow.Limits;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import dev.meridian.workflow.MapTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs an execution's DAG as an event loop in the workflow's one thread (ADR 0007): every node is a
 * small state machine advanced by activity results, signals and timers, never a workflow thread of
 * its own, so an execution costs bytes per running node and any number of executions share the
 * worker's threads. When the run's history reaches {@link #HISTORY_BUDGET} events it lets the
 * activities in flight finish, starts nothing new, and continues as new with the {@link Progress}.
 * Deterministic: no I/O, no clocks, no randomness, no hash-ordered iteration.
 */
final class ExecutionLoop implements ExecutionEngine {

  /**
   * Events after which a run of the workflow starts nothing new and continues as new once the work in
   * flight settled. Temporal warns at 10,240 events and refuses at 51,200; what is in flight when the
   * budget is reached (at most a few events per running node) must fit between the two.
   */
  static final int HISTORY_BUDGET = 8_000;
  /** Events one node's attempt adds over its life in a run: admission (3), dispatch (3), the end signal, release, the phase, a share of workflow tasks. */
  static final int EVENTS_PER_ATTEMPT = 10;
  /** Events a dispatched attempt still adds: its end signal, the release, the phase, a share of workflow tasks. */
  static final int EVENTS_TO_SETTLE = 4;
  /** How long a draining run waits for its running attempts to end before it hands them over still running. */
  static final Duration QUIET_WAIT = Duration.ofSeconds(30);

  private final Plan plan;
  private final ExecutionActivities remote;
  private final ExecutionActivities local;
  private final int parallelism;
  private final Dag dag;
  private final Map<String, String> outputs;

  /** Started, not finished, by run id (a node's id, or {@code node[17]} for a map item). */
  private final Map<String, NodeRun> running = new LinkedHashMap<>();
  /** Map nodes started and not yet reported, in the order they started. */
  private final Map<String, MapRun> maps = new LinkedHashMap<>();
  /** The current attempt of every running node, by attempt id (also its admission request id). */
  private final Map<String, NodeRun> byAttempt = new HashMap<>();
  /** Queued for quota, in the order they queued. */
  private final Map<String, NodeRun> awaitingAdmission = new LinkedHashMap<>();
  /** Nodes whose next step waits for the successor run: nothing new starts once the history budget is reached. */
  private final List<NodeRun> parked = new ArrayList<>();
  /** Results of activities, timers and signals, applied one at a time by the loop. */
  private final Deque<Runnable> steps = new ArrayDeque<>();
  /** Activity chains not yet finished: a run may continue as new only when none is. */
  private int inFlight;
  /** Events this run issued since the history length Temporal reported last changed; that length lags a workflow task. */
  private long issuedSince;
  private long lastReportedLength;
  private boolean draining;
  /** While draining: waiting for the running attempts to end before handing over, and whether that wait is over. */
  private boolean quietWaitStarted;
  private boolean quietWaitOver;
  private Integer quietHandoverVersion;
  private boolean recheckScheduled;
  private boolean executionAdmitted;
  private String terminatedBecause;
  private String stopRunning;
  private String failedNode;
  private String failure;

  /** {@code carried}: what the previous run handed over, or null when the execution starts. */
  ExecutionLoop(Plan plan, ExecutionActivities remote, ExecutionActivities local, Progress carried) {
    this.plan = plan;
    this.remote = remote;
    this.local = local;
    int asked = plan.maxParallelism() > 0 ? plan.maxParallelism() : Integer.MAX_VALUE;
    this.parallelism = Math.min(asked, Limits.MAX_CONCURRENT_NODES);
    if (carried == null) {
      this.dag = new Dag(plan, List.of(), List.of());
      this.outputs = new HashMap<>();
    } else {
      this.dag = new Dag(plan, carried.succeeded(), carried.started());
      this.outputs = new HashMap<>(carried.outputs());
      this.stopRunning = carried.stopRunning();
      this.terminatedBecause = carried.terminatedBecause();
      this.failedNode = carried.failedNode();
      this.failure = carried.failure();
    }
  }

  /** The state of one started node, or one item of a map node, between steps. */
  private static final class NodeRun {
    final Plan.Node node;
    final Plan.Task task;
    final String inputs;
    final long readyAt;
    /** The node's id, or {@code node[item]} for an item of a map node. */
    final String id;
    final MapRun map;
    final int item;
    int attempt = 1;
    int userFailures;
    int lost;
    Progress.Stage stage = Progress.Stage.BEGIN;
    /** Between the stages a run can carry over: an activity of this node is in flight. */
    boolean busy;
    long deadline;
    CancellationScope timer;
    AttemptOutcome earlyOutcome;
    boolean admittedEarly;

    NodeRun(Plan.Node node, Plan.Task task, String inputs, long readyAt) {
      this(node, task, inputs, readyAt, null, -1);
    }

    NodeRun(Plan.Node node, Plan.Task task, String inputs, long readyAt, MapRun map, int item) {
      this.node = node;
      this.task = task;
      this.inputs = inputs;
      this.readyAt = readyAt;
      this.map = map;
      this.item = item;
      this.id = map == null ? node.id() : MapTask.itemRunId(node.id(), item);
    }
  }

  /**
   * A started map node: its items run as {@link NodeRun}s of their own, in index order, at most
   * {@code concurrency} at once. Which items ended how are bits, so 100,000 items cost 25 KB.
   */
  private static final class MapRun {
    final Plan.Node node;
    final Plan.Task task;
    /** The inputs without the collection, and the collection: parsed once per run. */
    final ObjectNode shared;
    final JsonNode items;
    final long readyAt;
    final BitSet succeeded;
    final BitSet failed;
    int next;
    int running;
    String firstFailure;
    /** Its size is in the read model: items may start. */
    boolean announced;
    /** Collected or failed: nothing more is decided about it. */
    boolean finishing;

    MapRun(Plan.Node node, Plan.Task task, String inputsJson, long readyAt, BitSet succeeded, BitSet failed) {
      this.node = node;
      this.task = task;
      this.readyAt = readyAt;
      this.succeeded = succeeded;
      this.failed = failed;
      ObjectNode inputs = DagPlanner.parse(inputsJson);
      this.items = DagPlanner.items(inputs, node.map().input());
      inputs.remove(node.map().input());
      this.shared = inputs;
    }

    int total() {
      return items.size();
    }

    int ended() {
      return succeeded.cardinality() + failed.cardinality();
    }

    boolean canStart() {
      return announced && !finishing && next < total() && (node.map().concurrency() <= 0 || running < node.map().concurrency());
    }

    String inputsOf(int item) {
      return DagPlanner.itemInputs(shared, node.map().input(), items.get(item));
    }
  }

  // ---- signals, delivered by the workflow ----

  @Override
  public void attemptEnded(AttemptOutcome outcome) {
    steps.add(() -> {
      charge(1);
      NodeRun run = byAttempt.get(outcome.attemptId());
      if (run == null) {
        return; // a duplicate, or an attempt already given up on
      }
      if (run.stage == Progress.Stage.RUNNING && !run.busy && (!draining || quietHandover())) {
        settle(run, outcome, null);
      } else if (run.earlyOutcome == null) {
        // The agent was quicker than the dispatch activity's answer, or the run is handing over:
        // the outcome is settled when the dispatch answers, or by the next run.
        run.earlyOutcome = outcome;
      }
    });
  }

  @Override
  public void admitted(String requestId) {
    steps.add(() -> {
      if (requestId.equals(plan.executionId())) {
        executionAdmitted = true;
        return;
      }
      NodeRun run = byAttempt.get(requestId);
      if (run == null) {
        return;
      }
      if (awaitingAdmission.remove(requestId) != null) {
        run.stage = Progress.Stage.DISPATCH;
        dispatch(run);
      } else {
        run.admittedEarly = true;
      }
    });
  }

  @Override
  public void terminate(String reason) {
    steps.add(() -> {
      if (terminatedBecause == null) {
        terminatedBecause = reason;
      }
    });
  }

  // ---- the loop ----

  void run(Progress carried) {
    if (carried == null) {
      local.executionStarted(plan.org(), plan.executionId());
      admitExecution();
    } else {
      resume(carried);
    }
    while (true) {
      while (!steps.isEmpty()) {
        steps.poll().run();
      }
      if (stopRunning == null && (terminatedBecause != null || failure != null)) {
        stop(terminatedBecause != null ? "terminated: " + terminatedBecause : "another node failed");
      }
      // Every running node will still add events; new ones start only where the budget has room for theirs too.
      long estimate = historyEstimate();
      long room = (HISTORY_BUDGET - estimate - reservedEvents()) / EVENTS_PER_ATTEMPT;
      if (!draining && (estimate >= HISTORY_BUDGET
          // Ready nodes the budget has no room for: hand over rather than wait for the running ones.
          || (room <= 0 && (dag.hasReady() || itemsWaiting()) && stopRunning == null && estimate >= HISTORY_BUDGET / 2))) {
        draining = true;
      }
      if (stopRunning == null && !draining && room > 0) {
        for (Plan.Node node : dag.start((int) Math.min(parallelism - running.size(), room))) {
          String inputs = DagPlanner.resolve(node.inputs(), plan.inputsJson(), outputs);
          if (node.map() != null) {
            startMap(node, inputs);
            continue;
          }
          room--;
          NodeRun run = new NodeRun(node, plan.taskOf(node), inputs, Workflow.currentTimeMillis());
          running.put(run.id, run);
          begin(run);
        }
        for (MapRun map : maps.values()) {
          while (map.canStart() && running.size() < parallelism && room > 0) {
            room--;
            startItem(map);
          }
        }
      }
      if (running.isEmpty() && maps.isEmpty() && steps.isEmpty() && (stopRunning != null || dag.allSucceeded())) {
        break;
      }
      if (draining && inFlight == 0 && steps.isEmpty() && quietEnoughToHandOver()) {
        Workflow.continueAsNew(plan, progress());
      }
      Workflow.await(() -> !steps.isEmpty());
    }
    end();
  }

  /**
   * Whether the run may continue as new now. Temporal refuses to complete a workflow task that
   * continues as new when a signal arrived during it, and the worker then replays the whole run: with
   * hundreds of attempts still running and signalling their ends, nearly every hand-over was refused
   * and replayed (a 100,000-item map spent most of its time so). So the run first waits, up to
   * {@link #QUIET_WAIT}, for its running attempts to end — they are settled as they end, nothing new
   * starts while it drains, and their events are within the budget — and carries over only those
   * still running after it.
   */
  private boolean quietEnoughToHandOver() {
    if (!quietHandover() || quietWaitOver) {
      return true;
    }
    boolean attemptsRunning = running.values().stream().anyMatch(run -> run.stage == Progress.Stage.RUNNING);
    if (!attemptsRunning) {
      return true;
    }
    if (!quietWaitStarted) {
      quietWaitStarted = true;
      whenFired(Workflow.newTimer(QUIET_WAIT), () -> quietWaitOver = true);
    }
    return false;
  }

  /**
   * Runs from before the quiet hand-over deferred every attempt's end while draining and handed
   * over at once; they replay so. Asked only while draining, where the behaviour differs.
   */
  private boolean quietHandover() {
    if (quietHandoverVersion == null) {
      quietHandoverVersion = Workflow.getVersion("quiet-handover", Workflow.DEFAULT_VERSION, 1);
    }
    return quietHandoverVersion == 1;
  }

  /**
   * The execution's own slot among the org's concurrent executions. Only admission signals and
   * terminate can arrive before it; terminated while waiting, nothing starts.
   */
  private void admitExecution() {
    var request = ExecutionActivities.Admission.execution(plan, Workflow.currentTimeMillis());
    if (remote.requestAdmission(request)) {
      return;
    }
    while (true) {
      boolean signalled = Workflow.await(ExecutionWorkflowImpl.ADMISSION_RECHECK, () -> !steps.isEmpty());
      while (!steps.isEmpty()) {
        steps.poll().run();
      }
      if (executionAdmitted || terminatedBecause != null || (!signalled && remote.requestAdmission(request))) {
        return;
      }
    }
  }

  private void resume(Progress carried) {
    for (Progress.MapState state : carried.maps()) {
      Plan.Node node = dag.node(state.nodeId());
      MapRun map = new MapRun(node, plan.taskOf(node), DagPlanner.resolve(node.inputs(), plan.inputsJson(), outputs),
          state.readyAtMillis(), bits(state.succeeded()), bits(state.failed()));
      map.next = state.next();
      map.firstFailure = state.firstFailure();
      map.announced = true;
      maps.put(node.id(), map);
    }
    for (Progress.NodeState state : carried.nodes()) {
      Plan.Node node = dag.node(state.nodeId());
      MapRun map = state.item() == null ? null : maps.get(state.nodeId());
      NodeRun run = map == null ? new NodeRun(node, plan.taskOf(node), state.inputsJson(), state.readyAtMillis())
          : new NodeRun(node, map.task, map.inputsOf(state.item()), state.readyAtMillis(), map, state.item());
      if (map != null) {
        map.running++;
      }
      run.attempt = state.attempt();
      run.userFailures = state.userFailures();
      run.lost = state.lost();
      run.stage = state.stage();
      running.put(run.id, run);
      switch (state.stage()) {
        case BEGIN -> begin(run);
        case DISPATCH -> {
          byAttempt.put(attemptId(run), run);
          dispatch(run);
        }
        case AWAITING_ADMISSION -> {
          // Ask again at once: an admission signalled while the runs changed over must not wait for the recheck.
          byAttempt.put(attemptId(run), run);
          awaitingAdmission.put(attemptId(run), run);
          recheck(run);
          scheduleRecheck();
        }
        case RUNNING -> {
          byAttempt.put(attemptId(run), run);
          if (state.outcome() != null) {
            settle(run, state.outcome(), null);
          } else if (state.deadlineMillis() > 0) {
            startTimer(run, Math.max(0, state.deadlineMillis() - Workflow.currentTimeMillis()));
          }
        }
      }
    }
    if (stopRunning != null) {
      // The predecessor was stopping when it handed over: what it carried stops too.
      stop(stopRunning);
    }
    for (MapRun map : List.copyOf(maps.values())) {
      mapMayBeDone(map);
    }
  }

  private Progress progress() {
    List<Progress.NodeState> nodes = new ArrayList<>();
    for (NodeRun run : running.values()) {
      nodes.add(new Progress.NodeState(run.node.id(), run.map == null ? run.inputs : null, run.readyAt, run.attempt,
          run.userFailures, run.lost, run.stage, run.deadline, run.stage == Progress.Stage.RUNNING ? run.earlyOutcome : null,
          run.map == null ? null : run.item));
    }
    List<Progress.MapState> mapStates = new ArrayList<>();
    for (MapRun map : maps.values()) {
      mapStates.add(new Progress.MapState(map.node.id(), map.readyAt, map.next,
          Base64.getEncoder().encodeToString(map.succeeded.toByteArray()), Base64.getEncoder().encodeToString(map.failed.toByteArray()),
          map.firstFailure));
    }
    Map<String, String> kept = new TreeMap<>();
    outputs.forEach((node, json) -> {
      if (dag.hasWaitingReaders(node) || readByExecutionOutputs(node) || readByStartedMap(node)) {
        kept.put(node, json);
      }
    });
    return new Progress(dag.started(), dag.succeededNodes(), kept, nodes, stopRunning, terminatedBecause, failedNode, failure, mapStates);
  }

  /** A started map resolves its inputs again in the next run: what it reads is carried. */
  private boolean readByStartedMap(String node) {
    return maps.values().stream().anyMatch(map -> DagPlanner.upstream(map.node).contains(node));
  }

  private boolean readByExecutionOutputs(String node) {
    return plan.outputs().values().stream().anyMatch(binding -> binding instanceof dev.meridian.workflow.Binding.FromNode from && from.node().equals(node));
  }

  // ---- one node ----

  /** The node's next attempt: admission, then dispatch. */
  private void begin(NodeRun run) {
    run.stage = Progress.Stage.BEGIN;
    if (stopRunning != null) {
      report(run, Phase.ABORTED, stopRunning, Result.ABORTED, null);
      return;
    }
    if (draining) {
      parked.add(run);
      return;
    }
    run.earlyOutcome = null;
    run.admittedEarly = false;
    byAttempt.put(attemptId(run), run);
    run.busy = true;
    charge(3);
    then(Async.function(remote::requestAdmission, admissionOf(run)), admitted -> {
      run.busy = false;
      if (admitted || run.admittedEarly) {
        run.stage = Progress.Stage.DISPATCH;
        dispatch(run);
      } else if (stopRunning != null) {
        abortBeforeDispatch(run);
      } else {
        run.stage = Progress.Stage.AWAITING_ADMISSION;
        awaitingAdmission.put(attemptId(run), run);
        scheduleRecheck();
      }
    });
  }

  /**
   * Every node still queued for quota asks the ledger again now and then: admissions are signalled,
   * and this covers one lost between the admission's commit and the signal. One timer for all of them.
   */
  private void scheduleRecheck() {
    if (recheckScheduled) {
      return;
    }
    recheckScheduled = true;
    whenFired(Workflow.newTimer(ExecutionWorkflowImpl.ADMISSION_RECHECK), () -> {
      recheckScheduled = false;
      if (draining) {
        return; // the successor run asks again for every node still queued
      }
      for (NodeRun run : List.copyOf(awaitingAdmission.values())) {
        recheck(run);
      }
      if (!awaitingAdmission.isEmpty()) {
        scheduleRecheck();
      }
    });
  }

  private void recheck(NodeRun run) {
    String attemptId = attemptId(run);
    charge(3);
    then(Async.function(remote::requestAdmission, admissionOf(run)), admitted -> {
      if (admitted && awaitingAdmission.get(attemptId) == run && attemptId.equals(attemptId(run))) {
        awaitingAdmission.remove(attemptId);
        run.stage = Progress.Stage.DISPATCH;
        dispatch(run);
      }
    });
  }

  private void dispatch(NodeRun run) {
    if (stopRunning != null) {
      abortBeforeDispatch(run);
      return;
    }
    if (draining) {
      parked.add(run);
      return;
    }
    run.busy = true;
    var dispatch = dispatchOf(run);
    charge(3);
    then(Async.procedure(remote::dispatch, dispatch), ignored -> {
      run.busy = false;
      run.stage = Progress.Stage.RUNNING;
      if (run.task.timeoutSeconds() > 0) {
        startTimer(run, Duration.ofSeconds(run.task.timeoutSeconds()).plus(ExecutionWorkflowImpl.SILENCE_GRACE).toMillis());
      }
      if (run.earlyOutcome != null) {
        settle(run, run.earlyOutcome, null);
      } else if (stopRunning != null) {
        settle(run, null, stopRunning);
      }
    }, error -> {
      run.busy = false;
      String reason = error instanceof ActivityFailure failure && failure.getCause() instanceof ApplicationFailure cause
          ? cause.getOriginalMessage() : error.getMessage();
      release(run, () -> report(run, Phase.FAILED, reason, Result.FAILED, "node '" + run.node.id() + "' cannot be placed: " + reason));
    });
  }

  /** Admitted (or queued) but never dispatched: the reservation goes back and the node ends aborted. */
  private void abortBeforeDispatch(NodeRun run) {
    release(run, () -> report(run, Phase.ABORTED, stopRunning, Result.ABORTED, null));
  }

  private void startTimer(NodeRun run, long millis) {
    run.deadline = Workflow.currentTimeMillis() + millis;
    String attemptId = attemptId(run);
    charge(2);
    run.timer = Workflow.newCancellationScope(() -> whenFired(Workflow.newTimer(Duration.ofMillis(millis)), () -> {
      // While the run hands over, the successor starts this timer again with what is left of it.
      if (byAttempt.get(attemptId) == run && run.stage == Progress.Stage.RUNNING && !run.busy && (!draining || quietHandover())) {
        settle(run, null, null);
      }
    }));
    run.timer.run();
  }

  /**
   * The attempt is over: it ended ({@code outcome}), was stopped ({@code stoppedBecause}), or stayed
   * silent past its timeout (both null). Its reservation goes back, a cluster still running it is
   * told to stop, and the node succeeds, fails, or tries again.
   */
  private void settle(NodeRun run, AttemptOutcome outcome, String stoppedBecause) {
    run.busy = true;
    run.deadline = 0;
    if (run.timer != null) {
      run.timer.cancel();
      run.timer = null;
    }
    release(run, () -> {
      if (outcome == null) {
        String reason = stoppedBecause != null ? stoppedBecause : "no result within the task's timeout";
        charge(3);
        then(Async.procedure(remote::cancelAttempt, plan.org(), attemptId(run), reason), ignored -> {
          if (stoppedBecause != null) {
            report(run, Phase.ABORTED, stoppedBecause, Result.ABORTED, null);
          } else {
            decide(run, new AttemptOutcome(attemptId(run), AttemptOutcome.Kind.FAILED, null, null, reason, List.of()));
          }
        });
      } else {
        decide(run, outcome);
      }
    });
  }

  private void decide(NodeRun run, AttemptOutcome outcome) {
    switch (outcome.kind()) {
      case SUCCEEDED -> {
        if (run.map == null) {
          // An item's outputs wait in the read model for the map to collect them.
          outputs.put(run.node.id(), outcome.outputsJson() == null ? "{}" : outcome.outputsJson());
        }
        report(run, Phase.SUCCEEDED, null, Result.SUCCEEDED, null);
      }
      case ABORTED -> report(run, Phase.ABORTED, outcome.reason(), stopRunning != null ? Result.ABORTED : Result.FAILED,
          describe(run.node, run.task, run.attempt, outcome));
      case LOST -> retryOrFail(run, outcome, ++run.lost > ExecutionWorkflowImpl.SYSTEM_RETRIES);
      case FAILED -> retryOrFail(run, outcome, ++run.userFailures > run.task.retries());
    }
  }

  private void retryOrFail(NodeRun run, AttemptOutcome outcome, boolean spent) {
    if (spent) {
      report(run, Phase.FAILED, outcome.reason(), Result.FAILED, describe(run.node, run.task, run.attempt, outcome));
      return;
    }
    byAttempt.remove(attemptId(run));
    run.busy = false;
    run.attempt++;
    begin(run);
  }

  private enum Result { SUCCEEDED, FAILED, ABORTED }

  /** Records the node's phase in the read model, then applies how it finished to the DAG. */
  private void report(NodeRun run, Phase phase, String reason, Result result, String error) {
    if (run.map != null) {
      itemEnded(run, result, error);
      return;
    }
    run.busy = true;
    recordPhase(run.node.id(), phase, reason, result, error, () -> {
      running.remove(run.id);
      byAttempt.remove(attemptId(run));
    });
  }

  /** Writes a node's phase to the read model; once written, {@code forget} drops its state and the result applies to the DAG. */
  private void recordPhase(String nodeId, Phase phase, String reason, Result result, String error, Runnable forget) {
    charge(1);
    then(Async.procedure(local::nodeChanged, plan.org(), plan.executionId(), nodeId, phase, reason), ignored -> {
      forget.run();
      switch (result) {
        case SUCCEEDED -> dag.succeeded(nodeId);
        case FAILED -> {
          if (failure == null) {
            failedNode = nodeId;
            failure = error;
          }
        }
        case ABORTED -> { }
      }
    });
  }

  private void release(NodeRun run, Runnable next) {
    run.busy = true;
    charge(1);
    then(Async.procedure(local::releaseAdmission, plan.org(), attemptId(run)), ignored -> next.run());
  }

  /** Stops the execution: queued nodes leave the queue, running attempts are cancelled, nothing new starts. */
  private void stop(String reason) {
    stopRunning = reason;
    for (NodeRun run : List.copyOf(awaitingAdmission.values())) {
      awaitingAdmission.remove(attemptId(run));
      abortBeforeDispatch(run);
    }
    for (NodeRun run : List.copyOf(running.values())) {
      if (run.stage == Progress.Stage.RUNNING && !run.busy) {
        settle(run, null, reason);
      }
    }
    for (NodeRun run : List.copyOf(parked)) {
      parked.remove(run);
      if (run.stage == Progress.Stage.BEGIN) {
        report(run, Phase.ABORTED, reason, Result.ABORTED, null);
      } else {
        abortBeforeDispatch(run);
      }
    }
    for (MapRun map : List.copyOf(maps.values())) {
      if (!map.finishing && map.announced) {
        map.finishing = true;
        reportMap(map, Phase.ABORTED, reason, Result.ABORTED, null);
      }
    }
  }

  // ---- map nodes ----

  /** The map node's size goes to the read model first; its items start once it is there. */
  private void startMap(Plan.Node node, String inputsJson) {
    MapRun map = new MapRun(node, plan.taskOf(node), inputsJson, Workflow.currentTimeMillis(), new BitSet(), new BitSet());
    maps.put(node.id(), map);
    if (map.total() > Limits.MAX_MAP_ITEMS) {
      map.finishing = true;
      String error = "map node '" + node.id() + "' got " + map.total() + " items; a map node runs over at most " + Limits.MAX_MAP_ITEMS;
      reportMap(map, Phase.FAILED, error, Result.FAILED, error);
      return;
    }
    charge(1);
    then(Async.procedure(local::mapStarted, plan.org(), plan.executionId(), node.id(), map.total()), ignored -> {
      map.announced = true;
      if (stopRunning != null) {
        // Stopped while its size was being recorded: stop() left it to this step, so the phases stay in order.
        map.finishing = true;
        reportMap(map, Phase.ABORTED, stopRunning, Result.ABORTED, null);
        return;
      }
      mapMayBeDone(map);
    });
  }

  /** Items of a started map node that wait for room to start. */
  private boolean itemsWaiting() {
    for (MapRun map : maps.values()) {
      if (map.announced && !map.finishing && map.next < map.total()) {
        return true;
      }
    }
    return false;
  }

  private void startItem(MapRun map) {
    int item = map.next++;
    map.running++;
    NodeRun run = new NodeRun(map.node, map.task, map.inputsOf(item), map.readyAt, map, item);
    running.put(run.id, run);
    begin(run);
  }

  /** An item is over: no phase of its own to record (its attempts are in the read model), only the map's count. */
  private void itemEnded(NodeRun run, Result result, String error) {
    MapRun map = run.map;
    running.remove(run.id);
    byAttempt.remove(attemptId(run));
    map.running--;
    switch (result) {
      case SUCCEEDED -> map.succeeded.set(run.item);
      case FAILED -> {
        map.failed.set(run.item);
        if (map.firstFailure == null) {
          map.firstFailure = "item " + run.item + ": " + error;
        }
        charge(1);
        then(Async.procedure(local::mapItemFailed, plan.org(), plan.executionId(), map.node.id(), run.item), ignored -> { });
        int allowed = map.node.map().allowedFailures(map.total());
        if (!map.finishing && map.failed.cardinality() > allowed) {
          map.finishing = true;
          String summary = map.failed.cardinality() + " of " + map.total() + " items failed, more than the " + allowed
              + " that minSuccessRatio " + map.node.map().minSuccessRatio() + " allows";
          reportMap(map, Phase.FAILED, summary, Result.FAILED, "map node '" + map.node.id() + "' (task " + map.task.name() + ":"
              + map.task.version() + "): " + summary + "; the first failure: " + map.firstFailure);
        }
      }
      case ABORTED -> { }
    }
    mapMayBeDone(map);
  }

  /** Every item ended: the map collects its items' outputs and succeeds (enough items succeeded, or it had failed already). */
  private void mapMayBeDone(MapRun map) {
    if (map.finishing || !map.announced || map.ended() < map.total() || draining || stopRunning != null) {
      return;
    }
    map.finishing = true;
    String reason = map.failed.isEmpty() ? null : map.failed.cardinality() + " of " + map.total() + " items failed";
    charge(3);
    then(Async.function(remote::collectMapOutputs, plan.org(), plan.executionId(), map.node.id(), map.total(),
        DagPlanner.outputNames(map.task)), collected -> {
      outputs.put(map.node.id(), collected);
      reportMap(map, Phase.SUCCEEDED, reason, Result.SUCCEEDED, null);
    }, error -> {
      String cause = error instanceof ActivityFailure failure && failure.getCause() instanceof ApplicationFailure application
          ? application.getOriginalMessage() : error.getMessage();
      reportMap(map, Phase.FAILED, cause, Result.FAILED, "map node '" + map.node.id() + "': " + cause);
    });
  }

  /** Records the map node's phase, then applies how it finished to the DAG. */
  private void reportMap(MapRun map, Phase phase, String reason, Result result, String error) {
    recordPhase(map.node.id(), phase, reason, result, error, () -> maps.remove(map.node.id()));
  }

  private static BitSet bits(String base64) {
    return BitSet.valueOf(Base64.getDecoder().decode(base64));
  }

  private void end() {
    List<String> skipped = dag.notStarted();
    ExecutionActivities.Ending ending;
    if (terminatedBecause != null) {
      ending = new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.ABORTED, null, "TERMINATED", terminatedBecause, null, skipped);
    } else if (failure != null) {
      ending = new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.FAILED, null, "TASK_FAILED", failure, failedNode, skipped);
    } else {
      ending = new ExecutionActivities.Ending(plan.org(), plan.executionId(), Phase.SUCCEEDED,
          DagPlanner.resolve(plan.outputs(), plan.inputsJson(), outputs), null, null, null, skipped);
    }
    local.executionEnded(ending);
  }

  /** The node's error: what ran, how often, how it ended, and the last lines of its log. */
  static String describe(Plan.Node node, Plan.Task task, int attempts, AttemptOutcome outcome) {
    StringBuilder message = new StringBuilder("node '").append(node.id()).append("' (task ")
        .append(task.name()).append(':').append(task.version()).append(") ")
        .append(outcome.kind().name().toLowerCase()).append(" after ").append(attempts)
        .append(attempts == 1 ? " attempt" : " attempts");
    if (outcome.exitCode() != null) {
      message.append(": exit code ").append(outcome.exitCode());
    }
    if (outcome.reason() != null && !outcome.reason().isBlank()) {
      message.append(": ").append(outcome.reason());
    }
    if (!outcome.logTail().isEmpty()) {
      message.append("\nlast lines of the log:\n").append(String.join("\n", outcome.logTail()));
    }
    return message.toString();
  }

  // ---- plumbing ----

  /** Events the running nodes will still add in this run: a dispatched attempt only its end (signal, release, phase). */
  private long reservedEvents() {
    long reserved = 0;
    for (NodeRun run : running.values()) {
      reserved += run.stage == Progress.Stage.RUNNING && !run.busy ? EVENTS_TO_SETTLE : EVENTS_PER_ATTEMPT;
    }
    return reserved;
  }

  private void charge(int events) {
    issuedSince += events;
  }

  /** The history's length as far as this run knows it: what Temporal last reported plus what was issued since. */
  private long historyEstimate() {
    long reported = Workflow.getInfo().getHistoryLength();
    if (reported != lastReportedLength) {
      lastReportedLength = reported;
      issuedSince = 0;
    }
    return reported + issuedSince;
  }

  /** Applies {@code next} to the activity's result on the loop; the chain counts as in flight until then. */
  private <T> void then(Promise<T> promise, Consumer<T> next) {
    then(promise, next, error -> {
      throw error;
    });
  }

  private <T> void then(Promise<T> promise, Consumer<T> next, Consumer<RuntimeException> onError) {
    inFlight++;
    promise.handle((value, error) -> {
      steps.add(() -> {
        inFlight--;
        if (error != null) {
          onError.accept(error);
        } else {
          next.accept(value);
        }
      });
      return null;
    });
  }

  /** Runs {@code next} when the timer fires; a cancelled timer does nothing. Timers are not in flight: a run continues as new over them. */
  private void whenFired(Promise<Void> timer, Runnable next) {
    timer.handle((value, error) -> {
      if (error == null) {
        steps.add(next);
      }
      return null;
    });
  }

  private String attemptId(NodeRun run) {
    return new AttemptId(plan.executionId(), run.id, run.attempt).toString();
  }

  private ExecutionActivities.Dispatch dispatchOf(NodeRun run) {
    return new ExecutionActivities.Dispatch(plan.org(), plan.project(), plan.domain(), plan.executionId(), run.id,
        run.attempt, run.task, run.inputs, plan.clusterLabels(), run.attempt == 1 ? run.readyAt : Workflow.currentTimeMillis(),
        run.map == null ? null : run.map.node.id(), run.map == null ? null : run.item);
  }

  private ExecutionActivities.Admission admissionOf(NodeRun run) {
    return ExecutionActivities.Admission.task(dispatchOf(run), plan.priority(), run.readyAt);
  }
}
