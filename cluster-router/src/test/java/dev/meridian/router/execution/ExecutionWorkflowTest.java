package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.worker.Worker;
import dev.meridian.workflow.Binding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The execution workflow against Temporal's in-process test environment. The activities are a
 * hand-written fake agent: a dispatched attempt ends as {@link #behaviour} says, by signal, as the
 * router's event consumer would signal it.
 */
class ExecutionWorkflowTest {

  /** Bump when the workflow's commands change on purpose, and record a new history; keep the old ones. */
  static final int CURRENT_HISTORY_VERSION = 4;

  private TestWorkflowEnvironment environment;
  private WorkflowClient client;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final Map<String, AttemptOutcome.Kind> ends = new ConcurrentHashMap<>();
  /** attempt id -> how it ends; absent: it runs until cancelled. */
  private Function<ExecutionActivities.Dispatch, AttemptOutcome> behaviour;
  /** Requests admission holds back until a test signals them; all others are admitted at once. */
  private final Set<String> heldForQuota = ConcurrentHashMap.newKeySet();
  /** How many times the read model still answers that the execution is not there yet. */
  private final java.util.concurrent.atomic.AtomicInteger notYetVisible = new java.util.concurrent.atomic.AtomicInteger();

  final class FakeAgent implements ExecutionActivities {
    @Override public void executionStarted(String org, String executionId) {
      calls.add("started");
      if (notYetVisible.getAndDecrement() > 0) {
        throw io.temporal.failure.ApplicationFailure.newFailure("not in the read model yet", "NotYetVisible");
      }
    }
    @Override public void nodeChanged(String org, String executionId, String nodeId, dev.meridian.workflow.Phase phase, String reason) {
      calls.add(nodeId + ":" + phase);
    }
    @Override public void dispatch(Dispatch dispatch) {
      calls.add("dispatch " + dispatch.attemptId() + " " + dispatch.inputsJson());
      AttemptOutcome outcome = behaviour.apply(dispatch);
      if (outcome != null && dispatch.item() != null && outcome.kind() == AttemptOutcome.Kind.SUCCEEDED) {
        itemOutputs.put(dispatch.executionId() + "/" + dispatch.nodeId(), outcome.outputsJson());
      }
      if (outcome != null) {
        Thread.ofVirtual().start(() -> client.newWorkflowStub(ExecutionWorkflow.class,
            Plan.workflowId(dispatch.org(), dispatch.executionId())).attemptEnded(outcome));
      }
    }
    @Override public void cancelAttempt(String org, String attemptId, String reason) { calls.add("cancel " + attemptId); }
    @Override public boolean requestAdmission(Admission admission) {
      calls.add("admission " + admission.requestId());
      return !heldForQuota.contains(admission.requestId());
    }
    @Override public void releaseAdmission(String org, String requestId) { calls.add("release " + requestId); }
    @Override public void executionEnded(Ending ending) {
      if (ending.errorMessage() != null) {
        calls.add("error " + ending.errorMessage());
      }
      calls.add("ended " + ending.phase() + " " + ending.outputsJson() + " " + ending.errorNode() + " skipped=" + ending.skippedNodes());
    }
    @Override public void mapStarted(String org, String executionId, String nodeId, int items) {
      calls.add(nodeId + ":MAP " + items);
    }
    @Override public void mapItemFailed(String org, String executionId, String nodeId, int item) {
      calls.add(nodeId + "[" + item + "]:FAILED");
    }
    /** Like the read model: each item's value from its succeeded attempt, null where none. */
    @Override public String collectMapOutputs(String org, String executionId, String nodeId, int items, List<String> outputNames) {
      calls.add("collect " + nodeId);
      StringBuilder json = new StringBuilder("{");
      for (String name : outputNames) {
        List<String> values = new ArrayList<>();
        for (int item = 0; item < items; item++) {
          String outputs = itemOutputs.get(executionId + "/" + nodeId + "[" + item + "]");
          values.add(outputs == null ? "null" : String.valueOf(IntegerInputs.read(outputs).get(name)));
        }
        json.append(json.length() > 1 ? "," : "").append('"').append(name).append("\":[").append(String.join(",", values)).append(']');
      }
      return json.append('}').toString();
    }
  }

  /** Outputs of succeeded map items, by execution and item run id. */
  private final Map<String, String> itemOutputs = new ConcurrentHashMap<>();

  @BeforeEach
  void start() {
    // Real time: skipping it could jump past activity timeouts while the fake agent's signal is in flight.
    environment = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = environment.newWorker(ExecutionWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(ExecutionWorkflowImpl.class);
    worker.registerActivitiesImplementations(new FakeAgent());
    environment.start();
    client = environment.getWorkflowClient();
  }

  /** Every run of every workflow a test started replays on the code that ran it: no branch is non-deterministic. */
  @AfterEach
  void replaysAndStops() throws Exception {
    for (String workflowId : startedWorkflows) {
      for (var history : runsOf(workflowId)) {
        WorkflowReplayer.replayWorkflowExecution(history, ExecutionWorkflowImpl.class);
      }
    }
    environment.close();
  }

  private static Plan.Node node(String id, int retries, Map<String, Binding> inputs) {
    return new Plan.Node(id, new Plan.Task("inc", "1", "busybox", List.of("true"), List.of(), Map.of(), "{}", retries, 0, null), inputs);
  }

  static final Plan DIAMOND = new Plan("acme", "p", "development", "x1", List.of(
      node("top", 0, Map.of("x", new Binding.FromInput("n"))),
      node("left", 0, Map.of("x", new Binding.FromNode("top", "y"))),
      node("right", 0, Map.of("x", new Binding.FromNode("top", "y"))),
      node("bottom", 1, Map.of("a", new Binding.FromNode("left", "y"), "b", new Binding.FromNode("right", "y")))),
      Map.of("total", new Binding.FromNode("bottom", "y")), 0, "{\"n\":1}", Map.of(), 0);

  /** Each attempt outputs y = sum of its integer inputs + 1. */
  private static AttemptOutcome increment(ExecutionActivities.Dispatch dispatch) {
    var inputs = IntegerInputs.read(dispatch.inputsJson());
    int sum = 0;
    for (var value : inputs.values()) {
      sum += value;
    }
    return new AttemptOutcome(dispatch.attemptId(), AttemptOutcome.Kind.SUCCEEDED, "{\"y\":" + (sum + 1) + "}", 0, null, List.of());
  }

  private final List<String> startedWorkflows = new CopyOnWriteArrayList<>();

  /** The histories of every run of the workflow, the first first: continue-as-new links each run to its predecessor. */
  private List<WorkflowExecutionHistory> runsOf(String workflowId) {
    List<WorkflowExecutionHistory> runs = new ArrayList<>();
    WorkflowExecutionHistory run = client.fetchHistory(workflowId);
    while (true) {
      runs.addFirst(run);
      String previous = run.getEvents().getFirst().getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return runs;
      }
      run = client.fetchHistory(workflowId, previous);
    }
  }

  /** Starts the workflow and returns at once. */
  private void start(Plan plan) {
    startedWorkflows.add(plan.workflowId());
    ExecutionWorkflow workflow = client.newWorkflowStub(ExecutionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(ExecutionWorkflow.TASK_QUEUE).build());
    WorkflowClient.start(workflow::run, plan, null);
  }

  private void run(Plan plan) {
    startedWorkflows.add(plan.workflowId());
    ExecutionWorkflow workflow = client.newWorkflowStub(ExecutionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(ExecutionWorkflow.TASK_QUEUE).build());
    workflow.run(plan, null);
  }

  @Test
  void passesOutputsDownstreamAndEndsWithTheWorkflowOutputs() throws Exception {
    behaviour = ExecutionWorkflowTest::increment;

    run(DIAMOND);

    // n=1: top 2, left 3, right 3, bottom 7
    assertThat(calls).contains("dispatch x1/left/1 {\"x\":2}", "dispatch x1/bottom/1 {\"a\":3,\"b\":3}", "ended SUCCEEDED {\"total\":7} null skipped=[]");
    recordHistories("diamond", DIAMOND);
  }

  /**
   * With -Dmeridian.recordHistories=true, keeps every run of the plan's workflow as a history that
   * ExecutionWorkflowReplayTest replays on every later version of the code. An existing file is
   * never rewritten: it is the record of what earlier code did.
   */
  private void recordHistories(String branch, Plan plan) throws IOException {
    if (!Boolean.getBoolean("meridian.recordHistories")) {
      return;
    }
    List<WorkflowExecutionHistory> runs = runsOf(plan.workflowId());
    for (int i = 0; i < runs.size(); i++) {
      Path file = Path.of("src/test/resources/histories/" + branch + "-v" + CURRENT_HISTORY_VERSION
          + (runs.size() > 1 ? "-run" + (i + 1) : "") + ".json");
      if (Files.notExists(file)) {
        Files.writeString(file, runs.get(i).toJson(true));
      }
    }
  }

  @Test
  void aReadModelWriteThatFailsIsRetriedUntilItSucceeds() {
    behaviour = ExecutionWorkflowTest::increment;
    notYetVisible.set(2);

    run(DIAMOND);

    assertThat(calls.stream().filter("started"::equals)).hasSize(3);
    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"total\":7} null skipped=[]");
  }

  @Test
  void retriesAFailedAttemptAndFailsTheExecutionWhenRetriesAreSpent() throws IOException {
    behaviour = dispatch -> dispatch.nodeId().equals("bottom")
        ? new AttemptOutcome(dispatch.attemptId(), AttemptOutcome.Kind.FAILED, null, 3, "boom", List.of("last line"))
        : increment(dispatch);

    run(DIAMOND);

    assertThat(calls).contains("dispatch x1/bottom/1 {\"a\":3,\"b\":3}", "dispatch x1/bottom/2 {\"a\":3,\"b\":3}", "bottom:FAILED");
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch x1/bottom/3"));
    assertThat(calls.getLast()).startsWith("ended FAILED null bottom");
    recordHistories("retries-spent", DIAMOND);
  }

  @Test
  void lostAttemptsAreRetriedWithoutSpendingTheTasksRetries() throws IOException {
    List<String> lostOnce = new ArrayList<>();
    behaviour = dispatch -> {
      if (dispatch.nodeId().equals("left") && lostOnce.isEmpty()) {
        lostOnce.add(dispatch.attemptId());
        return new AttemptOutcome(dispatch.attemptId(), AttemptOutcome.Kind.LOST, null, null, "cluster gone", List.of());
      }
      return increment(dispatch);
    };

    run(DIAMOND);

    assertThat(calls).contains("dispatch x1/left/2 {\"x\":2}", "ended SUCCEEDED {\"total\":7} null skipped=[]");
    recordHistories("lost", DIAMOND);
  }

  @Test
  void terminateCancelsRunningAttemptsSkipsTheRestAndEndsAborted() throws IOException {
    behaviour = dispatch -> dispatch.nodeId().equals("top") ? increment(dispatch) : null;
    start(DIAMOND);
    await().until(() -> calls.contains("dispatch x1/right/1 {\"x\":2}"));

    client.newWorkflowStub(ExecutionWorkflow.class, DIAMOND.workflowId()).terminate("enough");
    client.newUntypedWorkflowStub(DIAMOND.workflowId()).getResult(Void.class);

    assertThat(calls).contains("cancel x1/left/1", "cancel x1/right/1", "left:ABORTED", "right:ABORTED");
    assertThat(calls.getLast()).isEqualTo("ended ABORTED null null skipped=[bottom]");
    recordHistories("terminate", DIAMOND);
  }

  @Test
  void aTaskWaitsForItsAdmissionAndRunsWhenAdmittedWithItsReservationReleasedAfterwards() throws IOException {
    behaviour = ExecutionWorkflowTest::increment;
    heldForQuota.add("x1/top/1");
    start(DIAMOND);
    await().until(() -> calls.contains("admission x1/top/1"));
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch"));

    client.newWorkflowStub(ExecutionWorkflow.class, DIAMOND.workflowId()).admitted("x1/top/1");
    client.newUntypedWorkflowStub(DIAMOND.workflowId()).getResult(Void.class);

    assertThat(calls).containsSubsequence("admission x1", "admission x1/top/1", "dispatch x1/top/1 {\"x\":1}", "release x1/top/1");
    assertThat(calls).contains("release x1/bottom/1", "ended SUCCEEDED {\"total\":7} null skipped=[]");
    recordHistories("admission-wait", DIAMOND);
  }

  @Test
  void terminatingWhileATaskWaitsForQuotaTakesItOutOfTheQueue() throws IOException {
    behaviour = ExecutionWorkflowTest::increment;
    heldForQuota.add("x1/top/1");
    start(DIAMOND);
    await().until(() -> calls.contains("admission x1/top/1"));

    client.newWorkflowStub(ExecutionWorkflow.class, DIAMOND.workflowId()).terminate("enough");
    client.newUntypedWorkflowStub(DIAMOND.workflowId()).getResult(Void.class);

    assertThat(calls).containsSubsequence("admission x1/top/1", "release x1/top/1", "top:ABORTED",
        "ended ABORTED null null skipped=[left, right, bottom]");
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch"));
    recordHistories("terminate-while-queued", DIAMOND);
  }

  @Test
  void anExecutionWaitsForItsSlotBeforeAnyTaskIsAdmitted() {
    behaviour = ExecutionWorkflowTest::increment;
    heldForQuota.add("x1");
    start(DIAMOND);
    await().until(() -> calls.contains("admission x1"));
    assertThat(calls).noneMatch(call -> call.startsWith("admission x1/"));

    client.newWorkflowStub(ExecutionWorkflow.class, DIAMOND.workflowId()).admitted("x1");
    client.newUntypedWorkflowStub(DIAMOND.workflowId()).getResult(Void.class);

    assertThat(calls).contains("ended SUCCEEDED {\"total\":7} null skipped=[]");
  }

  /** {@code top}, then {@code width} nodes reading its output, then {@code bottom} summing theirs; the task once, by reference. */
  private static Plan fanOut(String executionId, int width) {
    List<Plan.Node> nodes = new ArrayList<>();
    nodes.add(Plan.Node.referring("top", "inc:1", Map.of("x", new Binding.FromInput("n"))));
    Map<String, Binding> sum = new java.util.TreeMap<>();
    for (int i = 0; i < width; i++) {
      nodes.add(Plan.Node.referring("n" + i, "inc:1", Map.of("x", new Binding.FromNode("top", "y"))));
      sum.put("a" + i, new Binding.FromNode("n" + i, "y"));
    }
    nodes.add(Plan.Node.referring("bottom", "inc:1", sum));
    return new Plan("acme", "p", "development", executionId, nodes, Map.of("total", new Binding.FromNode("bottom", "y")),
        0, "{\"n\":1}", Map.of(), 0, Map.of("inc:1", node("any", 0, Map.of()).task()));
  }

  private boolean continuedAsNew(Plan plan) {
    return !client.fetchHistory(plan.workflowId()).getEvents().getFirst().getWorkflowExecutionStartedEventAttributes()
        .getContinuedExecutionRunId().isEmpty();
  }

  @Test
  void aWideFanOutRunsEveryNodeOnceAndKeepsEachRunsHistoryWithinTheBudget() {
    behaviour = ExecutionWorkflowTest::increment;
    int width = 1_500;
    Plan wide = fanOut("wide", width);

    run(wide);

    // n=1: top 2, each fan-out node 3, bottom 1500 * 3 + 1
    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"total\":" + (width * 3 + 1) + "} null skipped=[]");
    assertThat(calls.stream().filter(call -> call.startsWith("dispatch wide/n"))).hasSize(width)
        .allMatch(call -> call.contains("/1 "));
    List<WorkflowExecutionHistory> runs = runsOf(wide.workflowId());
    assertThat(runs).as("the execution continued as new").hasSizeGreaterThan(1);
    assertThat(runs).as("every run under the event count Temporal warns at").allSatisfy(history -> assertThat(history.getEvents()).hasSizeLessThan(10_240));
  }

  @Test
  void aNodeQueuedForQuotaIsCarriedIntoTheNextRunAndRunsWhenAdmitted() {
    behaviour = ExecutionWorkflowTest::increment;
    Plan wide = fanOut("queued", 1_000);
    heldForQuota.add("queued/n5/1");
    start(wide);
    await().atMost(java.time.Duration.ofSeconds(60)).until(() -> continuedAsNew(wide) && calls.contains("dispatch queued/n999/1 {\"x\":2}"));
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch queued/n5/"));

    client.newWorkflowStub(ExecutionWorkflow.class, wide.workflowId()).admitted("queued/n5/1");
    client.newUntypedWorkflowStub(wide.workflowId()).getResult(Void.class);

    assertThat(calls).contains("dispatch queued/n5/1 {\"x\":2}", "release queued/n5/1");
    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"total\":3001} null skipped=[]");
  }

  @Test
  void terminatingAfterTheExecutionContinuedAsNewReleasesWhatItCarriedAndSkipsTheRest() {
    behaviour = dispatch -> dispatch.nodeId().equals("n7") ? null : increment(dispatch);
    Plan wide = fanOut("stopped", 1_000);
    heldForQuota.add("stopped/n5/1");
    start(wide);
    await().atMost(java.time.Duration.ofSeconds(60)).until(() -> continuedAsNew(wide) && calls.contains("dispatch stopped/n999/1 {\"x\":2}"));

    client.newWorkflowStub(ExecutionWorkflow.class, wide.workflowId()).terminate("enough");
    client.newUntypedWorkflowStub(wide.workflowId()).getResult(Void.class);

    assertThat(calls).contains("release stopped/n5/1", "n5:ABORTED", "cancel stopped/n7/1", "n7:ABORTED");
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch stopped/n5/"));
    assertThat(calls.getLast()).isEqualTo("ended ABORTED null null skipped=[bottom]");
  }

  // ---- map nodes ----

  /** {@code sq} maps {@code inc} over the input {@code xs} with {@code k} for every item; {@code total} sums its outputs. */
  private static Plan mapPlan(String executionId, int items, int concurrency, double minSuccessRatio) {
    List<Integer> xs = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      xs.add(i);
    }
    List<Plan.Node> nodes = List.of(Plan.Node.mapping("sq", "inc:1",
        Map.of("x", new Binding.FromInput("xs"), "k", new Binding.Literal("100")),
        new dev.meridian.workflow.MapTask("x", concurrency, minSuccessRatio)));
    return new Plan("acme", "p", "development", executionId, nodes, Map.of("ys", new Binding.FromNode("sq", "y")),
        0, "{\"xs\":" + xs + "}", Map.of(), 0,
        Map.of("inc:1", new Plan.Task("inc", "1", "busybox", List.of("true"), List.of(), Map.of(),
            "{\"inputs\":{\"x\":{\"type\":\"integer\"},\"k\":{\"type\":\"integer\"}},\"outputs\":{\"y\":{\"type\":\"integer\"}}}",
            0, 0, null)));
  }

  private static AttemptOutcome failed(ExecutionActivities.Dispatch dispatch) {
    return new AttemptOutcome(dispatch.attemptId(), AttemptOutcome.Kind.FAILED, null, 1, "bad item", List.of());
  }

  @Test
  void aMapNodeRunsItsTaskOncePerItemWithTheSharedInputsAndCollectsTheOutputsInItemOrder() throws IOException {
    behaviour = ExecutionWorkflowTest::increment;
    Plan map = mapPlan("m1", 4, 0, 1.0);

    run(map);

    assertThat(calls).containsSubsequence("sq:MAP 4", "dispatch m1/sq[0]/1 {\"k\":100,\"x\":0}", "collect sq", "sq:SUCCEEDED");
    assertThat(calls).contains("dispatch m1/sq[3]/1 {\"k\":100,\"x\":3}", "release m1/sq[3]/1");
    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"ys\":[101,102,103,104]} null skipped=[]");
    recordHistories("map", map);
  }

  @Test
  void aMapRunsAtMostItsConcurrencyOfItemsAtOnceAndTerminateStopsThemAndReleasesTheirReservations() {
    behaviour = dispatch -> null;
    Plan map = mapPlan("m2", 10, 2, 1.0);
    start(map);
    await().until(() -> calls.contains("dispatch m2/sq[1]/1 {\"k\":100,\"x\":1}"));
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch m2/sq[2]/"));

    client.newWorkflowStub(ExecutionWorkflow.class, map.workflowId()).terminate("enough");
    client.newUntypedWorkflowStub(map.workflowId()).getResult(Void.class);

    assertThat(calls).contains("cancel m2/sq[0]/1", "cancel m2/sq[1]/1", "release m2/sq[0]/1", "release m2/sq[1]/1", "sq:ABORTED");
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch m2/sq[2]/"));
    assertThat(calls).filteredOn(call -> call.startsWith("ended")).containsExactly("ended ABORTED null null skipped=[]");
  }

  @Test
  void aMapSucceedsWithNullsForFailedItemsWhileEnoughSucceed() {
    behaviour = dispatch -> dispatch.item() == 3 ? failed(dispatch) : increment(dispatch);

    run(mapPlan("m3", 10, 0, 0.9));

    assertThat(calls).contains("sq[3]:FAILED", "sq:SUCCEEDED");
    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"ys\":[101,102,103,null,105,106,107,108,109,110]} null skipped=[]");
  }

  @Test
  void aMapFailsOnceMoreItemsFailThanItsRatioAllowsAndSaysWhy() {
    behaviour = dispatch -> dispatch.item() == 3 || dispatch.item() == 5 ? failed(dispatch) : increment(dispatch);

    run(mapPlan("m4", 10, 1, 0.9));

    assertThat(calls).contains("sq[3]:FAILED", "sq[5]:FAILED", "sq:FAILED");
    assertThat(calls).noneMatch(call -> call.startsWith("dispatch m4/sq[6]/"));
    assertThat(calls.getLast()).isEqualTo("ended FAILED null sq skipped=[]");
    assertThat(calls).contains("error map node 'sq' (task inc:1): 2 of 10 items failed, more than the 1 that "
        + "minSuccessRatio 0.9 allows; the first failure: item 3: node 'sq' (task inc:1) failed after 1 attempt: exit code 1: bad item");
  }

  @Test
  void aMapOverAnEmptyCollectionSucceedsWithEmptyOutputs() {
    behaviour = ExecutionWorkflowTest::increment;

    run(mapPlan("m5", 0, 0, 1.0));

    assertThat(calls.getLast()).isEqualTo("ended SUCCEEDED {\"ys\":[]} null skipped=[]");
  }

  @Test
  void aLargeMapContinuesAsNewCarryingItsItemsAndRunsEachItemOnce() {
    behaviour = ExecutionWorkflowTest::increment;
    int items = 1_200;
    Plan map = mapPlan("m6", items, 0, 1.0);

    run(map);

    assertThat(calls.stream().filter(call -> call.startsWith("dispatch m6/sq["))).hasSize(items).allMatch(call -> call.contains("]/1 "));
    assertThat(calls.getLast()).startsWith("ended SUCCEEDED {\"ys\":[101,102,").endsWith("," + (items + 100) + "]} null skipped=[]");
    List<WorkflowExecutionHistory> runs = runsOf(map.workflowId());
    assertThat(runs).as("the execution continued as new").hasSizeGreaterThan(1);
    assertThat(runs).allSatisfy(history -> assertThat(history.getEvents()).hasSizeLessThan(10_240));
  }
}
