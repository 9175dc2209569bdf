package dev.meridian.router.execution;

import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.SecretMessages;
import com.google.protobuf.Timestamp;
import dev.meridian.proto.events.v1.ExecutionPhase;
import dev.meridian.proto.events.v1.TaskPhase;
import dev.meridian.proto.router.v1.Attempt;
import dev.meridian.proto.router.v1.Binding;
import dev.meridian.proto.router.v1.Execution;
import dev.meridian.proto.router.v1.ExecutionError;
import dev.meridian.proto.router.v1.ExecutionPlan;
import dev.meridian.proto.router.v1.ExecutionRouterGrpc;
import dev.meridian.proto.router.v1.GetExecutionRequest;
import dev.meridian.proto.router.v1.ListExecutionsRequest;
import dev.meridian.proto.router.v1.ListExecutionsResponse;
import dev.meridian.proto.router.v1.ListMapItemsRequest;
import dev.meridian.proto.router.v1.ListMapItemsResponse;
import dev.meridian.proto.router.v1.MapItem;
import dev.meridian.proto.router.v1.MapSummary;
import dev.meridian.proto.router.v1.Node;
import dev.meridian.proto.router.v1.Scope;
import dev.meridian.proto.router.v1.StartExecutionRequest;
import dev.meridian.proto.router.v1.StartExecutionResponse;
import dev.meridian.proto.router.v1.TerminateExecutionRequest;
import dev.meridian.proto.router.v1.Unplaceable;
import dev.meridian.proto.router.v1.GetQuotaUsageRequest;
import dev.meridian.proto.router.v1.OverLimit;
import dev.meridian.proto.router.v1.ProjectUsage;
import dev.meridian.proto.router.v1.QuotaUsage;
import dev.meridian.proto.router.v1.Reserved;
import dev.meridian.router.admission.AdmissionLedger;
import dev.meridian.workflow.MapTask;
import dev.meridian.workflow.ResourceRequest;
import dev.meridian.tenancy.TenantContext;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** Starts, reads, lists and terminates executions for gateway (internal contract {@code meridian.router.v1}). */
@Service
class ExecutionRouterService extends ExecutionRouterGrpc.ExecutionRouterImplBase {

  private static final Logger log = LoggerFactory.getLogger(ExecutionRouterService.class);
  private static final int MAX_PAGE = 500;
  /** A map node's summary lists this many of its failed items; the items endpoint pages through all. */
  private static final int MAX_FAILED_ITEMS_SHOWN = 100;

  private final ExecutionStore store;
  private final WorkflowClient temporal;
  private final AdmissionLedger ledger;
  private final Launches launches;

  ExecutionRouterService(ExecutionStore store, WorkflowClient temporal, AdmissionLedger ledger, Launches launches) {
    this.store = store;
    this.temporal = temporal;
    this.ledger = ledger;
    this.launches = launches;
  }

  /** The launch use case ({@link Launches}), its outcomes in the internal contract. */
  @Override
  public void startExecution(StartExecutionRequest request, StreamObserver<StartExecutionResponse> response) {
    Scope scope = request.getScope();
    ExecutionPlan plan = request.getPlan();
    var launch = new Launches.Launch(scope.getOrg(), scope.getProject(), scope.getDomain(), plan.getWorkflowName(),
        plan.getWorkflowVersion(), request.getLaunchPlanName().isBlank() ? null : request.getLaunchPlanName() + ":" + request.getLaunchPlanVersion(),
        request.getInputsJson(), request.getIdempotencyKey().isBlank() ? null : request.getIdempotencyKey(), request.getRequestHash(),
        id -> toPlan(scope, id, plan, request.getInputsJson(), request.getPriority()));
    Launches.Outcome outcome;
    try (var tenant = TenantContext.ofOrg(scope.getOrg()).open()) {
      outcome = launches.launch(launch);
    }
    var answer = StartExecutionResponse.newBuilder();
    switch (outcome) {
      case Launches.Outcome.Created created -> answer.setStarted(toProto(created.execution()));
      case Launches.Outcome.Replayed replayed -> answer.setStarted(toProto(replayed.execution()));
      case Launches.Outcome.IdempotencyConflict conflict -> answer.setIdempotencyConflict(conflict.message());
      case Launches.Outcome.Unplaceable unplaceable ->
          answer.setUnplaceable(Unplaceable.newBuilder().setNode(unplaceable.node()).setReason(unplaceable.reason()));
      case Launches.Outcome.QueueFull full -> answer.setOverLimit(OverLimit.newBuilder().setReason(full.reason())
          .setRetryAfter(com.google.protobuf.Duration.newBuilder().setSeconds(full.retryAfter().toSeconds())));
      case Launches.Outcome.QuotasUnavailable unavailable -> {
        response.onError(Status.UNAVAILABLE.withDescription(unavailable.message()).asRuntimeException());
        return;
      }
    }
    reply(response, answer.build());
  }

  /** Reservations and queues of the org, from the ledger and the read model. */
  @Override
  public void getQuotaUsage(GetQuotaUsageRequest request, StreamObserver<QuotaUsage> response) {
    String org = request.getOrg();
    var totals = ledger.totals(org);
    var counts = store.countsByProject(org);
    QuotaUsage.Builder usage = QuotaUsage.newBuilder();
    Reserved.Builder orgReserved = Reserved.newBuilder();
    java.util.Set<String> projects = new java.util.TreeSet<>(totals.keySet());
    projects.addAll(counts.keySet());
    for (String project : projects) {
      var total = totals.getOrDefault(project, new AdmissionLedger.ProjectTotals(Map.of(), 0, 0, 0));
      var count = counts.getOrDefault(project, new ExecutionStore.Counts(0, 0));
      Reserved.Builder reserved = Reserved.newBuilder().setMilliCpu(total.milliCpu()).setMemoryMib(total.memoryMiB());
      total.gpus().forEach((type, n) -> {
        reserved.putGpus(type, n.intValue());
        orgReserved.putGpus(type, orgReserved.getGpusOrDefault(type, 0) + n.intValue());
      });
      orgReserved.setMilliCpu(orgReserved.getMilliCpu() + total.milliCpu()).setMemoryMib(orgReserved.getMemoryMib() + total.memoryMiB());
      usage.putByProject(project, ProjectUsage.newBuilder().setReserved(reserved).setRunningExecutions(count.running())
          .setQueuedExecutions(count.queued()).setQueuedTasks(total.queuedTasks()).build());
      usage.setRunningExecutions(usage.getRunningExecutions() + count.running())
          .setQueuedExecutions(usage.getQueuedExecutions() + count.queued())
          .setQueuedTasks(usage.getQueuedTasks() + total.queuedTasks());
    }
    reply(response, usage.setReserved(orgReserved).build());
  }

  @Override
  public void getExecution(GetExecutionRequest request, StreamObserver<Execution> response) {
    Scope scope = request.getScope();
    store.find(scope.getOrg(), scope.getProject(), scope.getDomain(), request.getExecutionId()).ifPresentOrElse(
        row -> reply(response, toProto(row)),
        () -> response.onError(Status.NOT_FOUND.withDescription("execution '" + request.getExecutionId() + "' not found").asRuntimeException()));
  }

  @Override
  public void listExecutions(ListExecutionsRequest request, StreamObserver<ListExecutionsResponse> response) {
    Scope scope = request.getScope();
    int limit = request.getLimit() <= 0 ? 50 : Math.min(request.getLimit(), MAX_PAGE);
    Instant afterCreated = null;
    String afterId = null;
    if (!request.getPageToken().isBlank()) {
      try {
        String[] token = new String(Base64.getUrlDecoder().decode(request.getPageToken()), StandardCharsets.UTF_8).split("\\|", 2);
        afterCreated = Instant.parse(token[0]);
        afterId = token[1];
      } catch (RuntimeException e) {
        response.onError(Status.INVALID_ARGUMENT.withDescription("pageToken is not a token this API returned").asRuntimeException());
        return;
      }
    }
    String phase = request.getPhase() == ExecutionPhase.EXECUTION_PHASE_UNSPECIFIED ? null
        : request.getPhase().name().substring("EXECUTION_PHASE_".length());
    var rows = store.list(scope.getOrg(), scope.getProject(), scope.getDomain(), phase, afterCreated, afterId, limit + 1);
    var page = ListExecutionsResponse.newBuilder();
    rows.stream().limit(limit).forEach(row -> page.addItems(summary(row)));
    if (rows.size() > limit) {
      var last = rows.get(limit - 1);
      page.setNextPageToken(Base64.getUrlEncoder().withoutPadding()
          .encodeToString((last.createdAt() + "|" + last.id()).getBytes(StandardCharsets.UTF_8)));
    }
    reply(response, page.build());
  }

  /**
   * Signals the workflow and waits up to ten seconds for it to end (Temporal's long poll for the
   * result, on no thread of ours), so the answer usually shows {@code ABORTED}; a terminal execution
   * is returned unchanged.
   */
  @Override
  public void terminateExecution(TerminateExecutionRequest request, StreamObserver<Execution> response) {
    Scope scope = request.getScope();
    var row = store.find(scope.getOrg(), scope.getProject(), scope.getDomain(), request.getExecutionId());
    if (row.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("execution '" + request.getExecutionId() + "' not found").asRuntimeException());
      return;
    }
    Runnable answer = () -> reply(response,
        toProto(store.find(scope.getOrg(), scope.getProject(), scope.getDomain(), request.getExecutionId()).orElseThrow()));
    if (row.get().endedAt() != null) {
      answer.run();
      return;
    }
    String workflowId = Plan.workflowId(scope.getOrg(), request.getExecutionId());
    try {
      temporal.newWorkflowStub(ExecutionWorkflow.class, workflowId).terminate(request.getReason());
    } catch (WorkflowNotFoundException ended) {
      log.debug("execution {} ended before it could be terminated", request.getExecutionId());
      answer.run();
      return;
    }
    temporal.newUntypedWorkflowStub(workflowId).getResultAsync(10, TimeUnit.SECONDS, Void.class)
        .whenComplete((ended, notYet) -> answer.run());
  }

  /** The plan with each task once ({@code name:version}) and nodes referring to it. */
  private static Plan toPlan(Scope scope, String id, ExecutionPlan plan, String inputsJson, int priority) {
    List<Plan.Node> nodes = new ArrayList<>();
    Map<String, Plan.Task> tasks = new HashMap<>();
    for (var node : plan.getNodesList()) {
      var task = node.getTask();
      String ref = task.getName() + ":" + task.getVersion();
      tasks.computeIfAbsent(ref, key -> {
        var resources = task.getResources();
        return new Plan.Task(task.getName(), task.getVersion(), task.getImage(), task.getCommandList(), task.getArgsList(),
            task.getEnvMap(), task.getInterfaceJson(), task.getRetries(), task.getTimeout().getSeconds(), task.hasResources()
                ? ResourceMessages.request(resources) : ResourceRequest.DEFAULT,
            task.getSecretsList().stream().map(SecretMessages::mount).toList());
      });
      nodes.add(node.hasMap()
          ? Plan.Node.mapping(node.getId(), ref, bindings(node.getInputsMap()),
              new MapTask(node.getMap().getInput(), node.getMap().getConcurrency(), node.getMap().getMinSuccessRatio()))
          : Plan.Node.referring(node.getId(), ref, bindings(node.getInputsMap())));
    }
    return new Plan(scope.getOrg(), scope.getProject(), scope.getDomain(), id, nodes, bindings(plan.getOutputsMap()),
        plan.getMaxParallelism(), inputsJson, plan.getClusterLabelsMap(), priority, tasks);
  }

  private static Map<String, dev.meridian.workflow.Binding> bindings(Map<String, Binding> bindings) {
    Map<String, dev.meridian.workflow.Binding> converted = new HashMap<>();
    bindings.forEach((name, binding) -> converted.put(name, switch (binding.getSourceCase()) {
      case FROM_INPUT -> new dev.meridian.workflow.Binding.FromInput(binding.getFromInput());
      case FROM_NODE -> new dev.meridian.workflow.Binding.FromNode(binding.getFromNode().getNode(), binding.getFromNode().getOutput());
      case VALUE_JSON -> new dev.meridian.workflow.Binding.Literal(binding.getValueJson());
      case SOURCE_NOT_SET -> throw Status.INVALID_ARGUMENT.withDescription("binding '" + name + "' has no source").asRuntimeException();
    }));
    return converted;
  }

  private Execution summary(ExecutionStore.ExecutionRow row) {
    return header(row).build();
  }

  private Execution toProto(ExecutionStore.ExecutionRow row) {
    Execution.Builder execution = header(row);
    var attempts = store.attempts(row.org(), row.id());
    Map<String, AdmissionLedger.Waiting> waiting = new HashMap<>();
    if (row.endedAt() == null) {
      ledger.waiting(row.org(), row.id()).forEach(w -> waiting.put(w.nodeId(), w));
    }
    Map<String, ExecutionStore.ItemCounts> itemCounts = null;
    for (var node : store.nodes(row.org(), row.id())) {
      Node.Builder builder = Node.newBuilder().setId(node.nodeId()).setPhase(node.phase());
      AdmissionLedger.Waiting wait = waiting.get(node.nodeId());
      if (wait != null) {
        builder.setPhase("QUEUED").setQueuePosition(wait.position());
        if (wait.reason() != null) {
          builder.setReason(wait.reason());
        }
      } else if (node.reason() != null) {
        builder.setReason(node.reason());
      }
      attempts.stream().filter(a -> a.nodeId().equals(node.nodeId())).forEach(a -> builder.addAttempts(attempt(a)));
      if (node.items() != null) {
        if (itemCounts == null) {
          itemCounts = store.itemCounts(row.org(), row.id());
        }
        var counts = itemCounts.getOrDefault(node.nodeId(), new ExecutionStore.ItemCounts(Map.of(), 0));
        builder.setMap(MapSummary.newBuilder().setItems(node.items()).putAllByPhase(counts.byPhase())
            .setNotStarted(node.items() - counts.started()).setFailed(node.failedItems().size())
            .addAllFailedItems(node.failedItems().stream().sorted().limit(MAX_FAILED_ITEMS_SHOWN).toList()));
      }
      execution.addNodes(builder);
    }
    return execution.build();
  }

  private static Attempt attempt(ExecutionStore.AttemptRow a) {
    Attempt.Builder attempt = Attempt.newBuilder().setAttempt(a.attempt())
        .setPhase(TaskPhase.valueOf("TASK_PHASE_" + a.phase()));
    if (a.cluster() != null) attempt.setCluster(a.cluster());
    if (a.startedAt() != null) attempt.setStartedAt(timestamp(a.startedAt()));
    if (a.endedAt() != null) attempt.setEndedAt(timestamp(a.endedAt()));
    if (a.exitCode() != null) attempt.setExitCode(a.exitCode());
    if (a.reason() != null) attempt.setReason(a.reason());
    if (a.logsUri() != null) attempt.setLogsUri(a.logsUri());
    if (a.reservedFrom() != null) attempt.setReservedFrom(timestamp(a.reservedFrom()));
    if (a.reservedUntil() != null) attempt.setReservedUntil(timestamp(a.reservedUntil()));
    return attempt.build();
  }

  /** A map node's items in index order, with their attempts; items not started yet are listed too. */
  @Override
  public void listMapItems(ListMapItemsRequest request, StreamObserver<ListMapItemsResponse> response) {
    Scope scope = request.getScope();
    var execution = store.find(scope.getOrg(), scope.getProject(), scope.getDomain(), request.getExecutionId());
    if (execution.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("execution '" + request.getExecutionId() + "' not found").asRuntimeException());
      return;
    }
    var node = store.node(scope.getOrg(), request.getExecutionId(), request.getNodeId());
    if (node.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("execution '" + request.getExecutionId() + "' has no node '"
          + request.getNodeId() + "'").asRuntimeException());
      return;
    }
    if (node.get().items() == null) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("node '" + request.getNodeId()
          + "' is not a map node (or has not started yet); its attempts are in the execution").asRuntimeException());
      return;
    }
    int total = node.get().items();
    int from;
    try {
      from = request.getPageToken().isBlank() ? 0
          : Integer.parseInt(new String(Base64.getUrlDecoder().decode(request.getPageToken()), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      from = -1;
    }
    if (from < 0 || from > total) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("pageToken is not a token this API returned").asRuntimeException());
      return;
    }
    int to = Math.min(total, from + Math.clamp(request.getLimit(), 1, MAX_PAGE));
    Map<String, List<ExecutionStore.AttemptRow>> attempts = new HashMap<>();
    if (from < to) {
      store.itemAttempts(scope.getOrg(), request.getExecutionId(), request.getNodeId(), from, to)
          .forEach(a -> attempts.computeIfAbsent(a.nodeId(), id -> new ArrayList<>()).add(a));
    }
    var failed = new java.util.HashSet<>(node.get().failedItems());
    var page = ListMapItemsResponse.newBuilder();
    for (int index = from; index < to; index++) {
      List<ExecutionStore.AttemptRow> ofItem = attempts.getOrDefault(MapTask.itemRunId(request.getNodeId(), index), List.of());
      String phase = failed.contains(index) ? "FAILED" : ofItem.isEmpty() ? "NOT_STARTED" : ofItem.getLast().phase();
      page.addItems(MapItem.newBuilder().setIndex(index).setPhase(phase).addAllAttempts(ofItem.stream().map(ExecutionRouterService::attempt).toList()));
    }
    if (to < total) {
      page.setNextPageToken(Base64.getUrlEncoder().withoutPadding().encodeToString(Integer.toString(to).getBytes(StandardCharsets.UTF_8)));
    }
    reply(response, page.build());
  }

  private static Execution.Builder header(ExecutionStore.ExecutionRow row) {
    Execution.Builder execution = Execution.newBuilder()
        .setId(row.id())
        .setScope(Scope.newBuilder().setOrg(row.org()).setProject(row.project()).setDomain(row.domain()))
        .setWorkflowName(row.workflowName())
        .setWorkflowVersion(row.workflowVersion())
        .setPhase(ExecutionPhase.valueOf("EXECUTION_PHASE_" + row.phase()))
        .setCreatedAt(timestamp(row.createdAt()))
        .setInputsJson(row.inputsJson());
    if (row.startedAt() != null) execution.setStartedAt(timestamp(row.startedAt()));
    if (row.endedAt() != null) execution.setEndedAt(timestamp(row.endedAt()));
    if (row.outputsJson() != null) execution.setOutputsJson(row.outputsJson());
    if (row.problem() != null && row.endedAt() == null) execution.setProblem(row.problem());
    if (row.errorCode() != null) {
      execution.setError(ExecutionError.newBuilder().setCode(row.errorCode())
          .setMessage(row.errorMessage() == null ? "" : row.errorMessage())
          .setNode(row.errorNode() == null ? "" : row.errorNode()));
    }
    return execution;
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static <T> void reply(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
