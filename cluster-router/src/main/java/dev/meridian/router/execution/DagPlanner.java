package dev.meridian.router.execution;

import dev.meridian.workflow.Binding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pure DAG decisions of an execution: which nodes are ready and what their inputs are. Deterministic
 * (the workflow calls it during replay): plan order decides ties.
 */
final class DagPlanner {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DagPlanner() {}

  /** Nodes whose every upstream node succeeded, that have not started, at most {@code slots} of them. */
  static List<Plan.Node> ready(Plan plan, Set<String> succeeded, Collection<String> started, int slots) {
    List<Plan.Node> ready = new ArrayList<>();
    for (Plan.Node node : plan.nodes()) {
      if (ready.size() >= slots) {
        break;
      }
      if (!started.contains(node.id()) && succeeded.containsAll(upstream(node))) {
        ready.add(node);
      }
    }
    return ready;
  }

  static Set<String> upstream(Plan.Node node) {
    return node.inputs().values().stream()
        .flatMap(binding -> binding instanceof Binding.FromNode fromNode ? java.util.stream.Stream.of(fromNode.node()) : java.util.stream.Stream.empty())
        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  /** The JSON object of a node's inputs (or the workflow's outputs), resolved from its bindings. */
  static String resolve(Map<String, Binding> bindings, String workflowInputsJson, Map<String, String> nodeOutputsJson) {
    JsonNode workflowInputs = JSON.readTree(workflowInputsJson == null || workflowInputsJson.isBlank() ? "{}" : workflowInputsJson);
    ObjectNode resolved = JSON.createObjectNode();
    for (var entry : new java.util.TreeMap<>(bindings).entrySet()) {
      JsonNode value = switch (entry.getValue()) {
        case Binding.FromInput input -> workflowInputs.get(input.input());
        case Binding.FromNode node -> {
          String outputs = nodeOutputsJson.get(node.node());
          yield outputs == null ? null : JSON.readTree(outputs).get(node.output());
        }
        case Binding.Literal literal -> JSON.readTree(literal.json());
      };
      if (value != null) {
        resolved.set(entry.getKey(), value);
      }
    }
    return JSON.writeValueAsString(resolved);
  }

  /** The collection a map node runs over, from its resolved inputs: an empty one when absent. */
  static JsonNode items(JsonNode inputs, String input) {
    JsonNode items = inputs.get(input);
    return items != null && items.isArray() ? items : JSON.createArrayNode();
  }

  static ObjectNode parse(String json) {
    return (ObjectNode) JSON.readTree(json);
  }

  /** One item's inputs: the map node's other inputs, and the item bound to {@code input}. */
  static String itemInputs(ObjectNode inputs, String input, JsonNode item) {
    ObjectNode resolved = inputs.deepCopy();
    resolved.set(input, item);
    return JSON.writeValueAsString(resolved);
  }

  /** The names of a task's outputs, in the order its interface declares them. */
  static List<String> outputNames(Plan.Task task) {
    String json = task.interfaceJson() == null || task.interfaceJson().isBlank() ? "{}" : task.interfaceJson();
    return List.copyOf(dev.meridian.workflow.TypedInterface.parse(JSON.readTree(json), "", new ArrayList<>()).outputs().keySet());
  }
}
