package dev.meridian.gateway.execution;

import com.google.protobuf.Timestamp;
import dev.meridian.gateway.api.Json;
import dev.meridian.proto.router.v1.Attempt;
import dev.meridian.proto.router.v1.Execution;
import dev.meridian.proto.router.v1.ListMapItemsResponse;
import dev.meridian.proto.router.v1.MapSummary;
import dev.meridian.proto.router.v1.Node;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An execution as API.md shows it. */
final class ExecutionView {

  private ExecutionView() {}

  static Map<String, Object> of(Execution execution) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", execution.getId());
    json.put("project", execution.getScope().getProject());
    json.put("domain", execution.getScope().getDomain());
    json.put("workflow", Map.of("name", execution.getWorkflowName(), "version", execution.getWorkflowVersion()));
    json.put("phase", execution.getPhase().name().substring("EXECUTION_PHASE_".length()));
    json.put("createdAt", time(execution.getCreatedAt()));
    json.put("startedAt", execution.hasStartedAt() ? time(execution.getStartedAt()) : null);
    json.put("endedAt", execution.hasEndedAt() ? time(execution.getEndedAt()) : null);
    json.put("inputs", execution.getInputsJson().isBlank() ? Map.of() : Json.read(execution.getInputsJson()));
    json.put("outputs", execution.getOutputsJson().isBlank() ? null : Json.read(execution.getOutputsJson()));
    json.put("problem", execution.getProblem().isBlank() ? null : execution.getProblem());
    json.put("error", execution.hasError() ? Map.of("code", execution.getError().getCode(),
        "message", execution.getError().getMessage(), "node", execution.getError().getNode()) : null);
    json.put("nodes", execution.getNodesList().stream().map(ExecutionView::node).toList());
    return json;
  }

  private static Map<String, Object> node(Node node) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", node.getId());
    json.put("phase", node.getPhase());
    json.put("reason", node.getReason().isBlank() ? null : node.getReason());
    json.put("cached", node.getCached());
    if (node.getQueuePosition() > 0) {
      json.put("queuePosition", node.getQueuePosition());
    }
    json.put("attempts", node.getAttemptsList().stream().map(ExecutionView::attempt).toList());
    if (node.hasMap()) {
      MapSummary map = node.getMap();
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("items", map.getItems());
      summary.put("notStarted", map.getNotStarted());
      summary.put("byPhase", new java.util.TreeMap<>(map.getByPhaseMap()));
      summary.put("failed", map.getFailed());
      summary.put("failedItems", map.getFailedItemsList());
      json.put("map", summary);
    }
    return json;
  }

  static Map<String, Object> items(ListMapItemsResponse page) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("items", page.getItemsList().stream().map(item -> {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("index", item.getIndex());
      view.put("phase", item.getPhase());
      view.put("attempts", item.getAttemptsList().stream().map(ExecutionView::attempt).toList());
      return view;
    }).toList());
    json.put("nextPageToken", page.getNextPageToken().isBlank() ? null : page.getNextPageToken());
    return json;
  }

  private static Map<String, Object> attempt(Attempt attempt) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("attempt", attempt.getAttempt());
    json.put("cluster", attempt.getCluster());
    json.put("phase", attempt.getPhase().name().substring("TASK_PHASE_".length()));
    json.put("startedAt", attempt.hasStartedAt() ? time(attempt.getStartedAt()) : null);
    json.put("endedAt", attempt.hasEndedAt() ? time(attempt.getEndedAt()) : null);
    json.put("exitCode", attempt.hasExitCode() ? attempt.getExitCode() : null);
    json.put("reason", attempt.getReason().isBlank() ? null : attempt.getReason());
    json.put("logsUri", attempt.getLogsUri().isBlank() ? null : attempt.getLogsUri());
    json.put("reservedFrom", attempt.hasReservedFrom() ? time(attempt.getReservedFrom()) : null);
    json.put("reservedUntil", attempt.hasReservedUntil() ? time(attempt.getReservedUntil()) : null);
    return json;
  }

  static Map<String, Object> page(List<Execution> items, String nextPageToken) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("items", items.stream().map(ExecutionView::of).toList());
    json.put("nextPageToken", nextPageToken.isBlank() ? null : nextPageToken);
    return json;
  }

  private static String time(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()).toString();
  }
}
