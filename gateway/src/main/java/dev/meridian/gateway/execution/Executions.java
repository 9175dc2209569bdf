package dev.meridian.gateway.execution;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Json;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.gateway.project.Scope;
import dev.meridian.gateway.registry.Registry;
import dev.meridian.gateway.secret.LaunchSecrets;
import dev.meridian.proto.events.v1.ExecutionPhase;
import dev.meridian.proto.router.v1.Execution;
import dev.meridian.proto.router.v1.ExecutionPlan;
import dev.meridian.proto.router.v1.PlanNode;
import dev.meridian.proto.router.v1.ExecutionRouterGrpc.ExecutionRouterBlockingStub;
import dev.meridian.proto.router.v1.GetExecutionRequest;
import dev.meridian.proto.router.v1.ListExecutionsRequest;
import dev.meridian.proto.router.v1.ListExecutionsResponse;
import dev.meridian.proto.router.v1.ListMapItemsRequest;
import dev.meridian.proto.router.v1.ListMapItemsResponse;
import dev.meridian.proto.router.v1.StartExecutionRequest;
import dev.meridian.proto.router.v1.StartExecutionResponse;
import dev.meridian.proto.router.v1.TerminateExecutionRequest;
import dev.meridian.workflow.Limits;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Launching, reading, listing and terminating executions. The router owns them; this checks and translates. */
@Service
public class Executions {

  private final Registry registry;
  private final Projects projects;
  private final ExecutionRouterBlockingStub router;
  private final LaunchSecrets launchSecrets;

  Executions(Registry registry, Projects projects, ExecutionRouterBlockingStub router, LaunchSecrets launchSecrets) {
    this.registry = registry;
    this.projects = projects;
    this.router = router;
    this.launchSecrets = launchSecrets;
  }

  /** Deadlines are absolute in gRPC, so each call gets a fresh one; terminate may wait up to 10 s. */
  private ExecutionRouterBlockingStub router() {
    return router.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  public Outcome<Execution> create(Scope scope, JsonNode body, String idempotencyKey) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Fields request = new Fields(body, "", violations);
    request.onlyKnown(Set.of("launchPlan", "workflow", "inputs", "name", "labels", "priority"));
    Integer priority = request.get("priority") == null ? null : request.integer("priority", 0, -1000, 1000);
    boolean byPlan = request.get("launchPlan") != null;
    if (byPlan == (request.get("workflow") != null)) {
      violations.add(new Violation("", "name exactly one of launchPlan or workflow to run"));
      return Outcome.refused(new Refusal.Invalid("the execution is invalid", violations));
    }
    String kind = byPlan ? "launchPlan" : "workflow";
    Fields ref = request.object(kind, true);
    String name = ref == null ? null : ref.string("name", true);
    String version = ref == null ? null : ref.string("version", true);
    JsonNode inputs = request.get("inputs");
    if (inputs != null && !inputs.isObject()) {
      violations.add(new Violation("/inputs", "inputs must be an object of input name to value"));
    }
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the execution is invalid", violations));
    }
    Outcome<Registry.Launchable> found = registry.launchable(scope, kind, name, version, "/" + kind);
    if (found instanceof Outcome.Refused<Registry.Launchable> refused) {
      return Outcome.refused(refused.refusal());
    }
    Registry.Launchable launchable = ((Outcome.Done<Registry.Launchable>) found).value();

    ObjectNode merged = Json.MAPPER.createObjectNode();
    if (launchable.defaultInputs() != null && launchable.defaultInputs().isObject()) {
      merged.setAll((ObjectNode) launchable.defaultInputs());
    }
    if (inputs != null) {
      for (var input : inputs.properties()) {
        if (launchable.fixedInputs() != null && launchable.fixedInputs().has(input.getKey())) {
          violations.add(new Violation("/inputs/" + input.getKey(), "input '" + input.getKey()
              + "' is fixed by launch plan " + name + ":" + version + " and cannot be set"));
        }
        merged.set(input.getKey(), input.getValue());
      }
    }
    if (launchable.fixedInputs() != null && launchable.fixedInputs().isObject()) {
      merged.setAll((ObjectNode) launchable.fixedInputs());
    }
    launchable.workflowInterface().checkInputs(merged, "/inputs", violations);
    checkMapItems(launchable.plan(), merged, violations);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the inputs do not match the workflow's interface", violations));
    }

    Optional<Refusal> secretsMissing = launchSecrets.missing(scope, launchable.plan(), "/" + kind);
    if (secretsMissing.isPresent()) {
      return Outcome.refused(secretsMissing.get());
    }

    StartExecutionRequest.Builder start = StartExecutionRequest.newBuilder()
        .setScope(scope.toRouter())
        .setPlan(launchable.plan())
        .setInputsJson(Json.text(merged))
        .setRequestHash(Json.digest(body));
    if (idempotencyKey != null && !idempotencyKey.isBlank()) {
      start.setIdempotencyKey(idempotencyKey);
    }
    start.setPriority(priority != null ? priority : launchable.priority());
    if (launchable.launchPlanName() != null) {
      start.setLaunchPlanName(launchable.launchPlanName()).setLaunchPlanVersion(launchable.launchPlanVersion());
    }
    Outcome<StartExecutionResponse> started = Downstream.call("cluster-router", () -> router().startExecution(start.build()));
    return switch (started) {
      case Outcome.Refused<StartExecutionResponse> refused -> Outcome.refused(refused.refusal());
      case Outcome.Done<StartExecutionResponse> done -> switch (done.value().getOutcomeCase()) {
        case IDEMPOTENCY_CONFLICT -> Outcome.refused(new Refusal.Invalid(done.value().getIdempotencyConflict(), List.of()));
        case UNPLACEABLE -> Outcome.refused(new Refusal.Invalid("no cluster of the org can run this workflow",
            List.of(new Violation("/" + kind, "node '" + done.value().getUnplaceable().getNode() + "' can never be placed: "
                + done.value().getUnplaceable().getReason()))));
        case OVER_LIMIT -> Outcome.refused(new Refusal.Throttled(done.value().getOverLimit().getReason(),
            java.time.Duration.ofSeconds(done.value().getOverLimit().getRetryAfter().getSeconds())));
        default -> Outcome.created(done.value().getStarted());
      };
    };
  }

  public Outcome<Execution> get(Scope scope, String id) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> router().getExecution(
        GetExecutionRequest.newBuilder().setScope(scope.toRouter()).setExecutionId(id).build()));
  }

  public Outcome<ListExecutionsResponse> list(Scope scope, String phase, int limit, String pageToken) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    ListExecutionsRequest.Builder request = ListExecutionsRequest.newBuilder().setScope(scope.toRouter())
        .setLimit(Math.clamp(limit, 1, 500)).setPageToken(pageToken == null ? "" : pageToken);
    if (phase != null && !phase.isBlank()) {
      try {
        request.setPhase(ExecutionPhase.valueOf("EXECUTION_PHASE_" + phase));
      } catch (IllegalArgumentException e) {
        return Outcome.refused(new Refusal.Malformed("phase '" + phase + "' is not an execution phase", List.of()));
      }
    }
    return Downstream.call("cluster-router", () -> router().listExecutions(request.build()));
  }

  /** The items of map node {@code node}, in item order. */
  public Outcome<ListMapItemsResponse> items(Scope scope, String id, String node, int limit, String pageToken) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> router().listMapItems(ListMapItemsRequest.newBuilder()
        .setScope(scope.toRouter()).setExecutionId(id).setNodeId(node).setLimit(Math.clamp(limit, 1, 500))
        .setPageToken(pageToken == null ? "" : pageToken).build()));
  }

  public Outcome<Execution> terminate(Scope scope, String id, String reason) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> router().terminateExecution(TerminateExecutionRequest.newBuilder()
        .setScope(scope.toRouter()).setExecutionId(id).setReason(reason == null ? "" : reason).build()));
  }

  /** A workflow input a map node runs over holds at most {@link Limits#MAX_MAP_ITEMS} items. */
  private static void checkMapItems(ExecutionPlan plan, ObjectNode inputs, List<Violation> violations) {
    for (PlanNode node : plan.getNodesList()) {
      if (!node.hasMap()) {
        continue;
      }
      var binding = node.getInputsMap().get(node.getMap().getInput());
      if (binding == null || !binding.hasFromInput()) {
        continue;
      }
      JsonNode items = inputs.get(binding.getFromInput());
      if (items != null && items.isArray() && items.size() > Limits.MAX_MAP_ITEMS) {
        violations.add(new Violation("/inputs/" + binding.getFromInput(), "map node '" + node.getId() + "' runs over at most "
            + Limits.MAX_MAP_ITEMS + " items, this input has " + items.size()));
      }
    }
  }
}
