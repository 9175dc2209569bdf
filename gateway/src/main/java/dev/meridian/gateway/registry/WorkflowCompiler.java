package dev.meridian.gateway.registry;

import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Json;
import dev.meridian.workflow.Binding;
import dev.meridian.workflow.Limits;
import dev.meridian.workflow.LiteralType;
import dev.meridian.workflow.MapTask;
import dev.meridian.workflow.TypedInterface;
import dev.meridian.workflow.ValueChecker;
import dev.meridian.workflow.Violation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import tools.jackson.databind.JsonNode;

/**
 * Compiles a workflow at registration: resolves every task reference, type-checks every binding,
 * requires every task input and workflow output to be bound, derives the DAG from the data
 * dependencies and rejects cycles. Pure: the registry lookup is passed in. Every error is located
 * by a JSON pointer into the request body.
 */
final class WorkflowCompiler {

  private static final Set<String> FIELDS = Set.of("name", "version", "interface", "nodes", "outputs", "maxParallelism");

  record Edge(String from, String to) {}

  /** {@code map}: set on a map node, whose task runs once per item. */
  record CompiledNode(String id, TaskDefinition task, Map<String, Binding> inputs, MapTask map) {}

  record Compiled(String name, String version, TypedInterface typedInterface, List<CompiledNode> nodes,
      Map<String, Binding> outputs, int maxParallelism, List<Edge> edges) {}

  static final int MAX_NODES = Limits.MAX_NODES;

  private WorkflowCompiler() {}

  static Optional<Compiled> compile(JsonNode body, BiFunction<String, String, Optional<TaskDefinition>> tasks,
      List<Violation> violations) {
    Fields workflow = new Fields(body, "", violations);
    workflow.onlyKnown(FIELDS);
    String name = workflow.name("name");
    String version = workflow.name("version");
    TypedInterface typed = TypedInterface.parse(workflow.get("interface"), "/interface", violations);
    int maxParallelism = workflow.integer("maxParallelism", 0, 1, Limits.MAX_CONCURRENT_NODES);

    JsonNode nodesJson = workflow.get("nodes");
    if (nodesJson == null || !nodesJson.isArray() || nodesJson.isEmpty()) {
      violations.add(new Violation("/nodes", "a workflow needs a non-empty array of nodes"));
      return Optional.empty();
    }
    if (nodesJson.size() > MAX_NODES) {
      violations.add(new Violation("/nodes", "a workflow has at most " + MAX_NODES + " nodes, this one has " + nodesJson.size()));
      return Optional.empty();
    }

    // First pass: ids and task references, so bindings can refer to any node.
    Map<String, Integer> index = new LinkedHashMap<>();
    Map<String, TaskDefinition> taskOf = new HashMap<>();
    Map<String, MapTask> mapOf = new HashMap<>();
    // What each node exposes: its task's outputs, or for a map node a collection of each.
    Map<String, Map<String, LiteralType>> outputsOf = new HashMap<>();
    for (int i = 0; i < nodesJson.size(); i++) {
      String at = "/nodes/" + i;
      Fields node = new Fields(nodesJson.get(i), at, violations);
      if (!nodesJson.get(i).isObject()) {
        violations.add(new Violation(at, "a node must be an object"));
        continue;
      }
      node.onlyKnown(Set.of("id", "task", "workflow", "inputs", "map"));
      String id = node.name("id");
      if (id == null) {
        continue;
      }
      if (index.putIfAbsent(id, i) != null) {
        violations.add(new Violation(at + "/id", "node id '" + id + "' is used by /nodes/" + index.get(id) + " too"));
        continue;
      }
      if (node.get("workflow") != null) {
        violations.add(new Violation(at + "/workflow", "sub-workflow nodes are not supported yet; reference a task"));
        continue;
      }
      Fields ref;
      String refAt;
      if (node.get("map") != null) {
        if (node.get("task") != null) {
          violations.add(new Violation(at, "a node has either task or map, not both"));
          continue;
        }
        Fields map = node.object("map", true);
        if (map == null) {
          continue;
        }
        map.onlyKnown(Set.of("task", "input", "concurrency", "minSuccessRatio"));
        String input = map.string("input", true);
        int concurrency = map.integer("concurrency", 0, 1, Limits.MAX_CONCURRENT_NODES);
        double ratio = map.fraction("minSuccessRatio", MapTask.ALL);
        if (input != null) {
          mapOf.put(id, new MapTask(input, concurrency, ratio));
        }
        ref = map.object("task", true);
        refAt = at + "/map/task";
      } else {
        ref = node.object("task", true);
        refAt = at + "/task";
      }
      if (ref == null) {
        continue;
      }
      String taskName = ref.string("name", true);
      String taskVersion = ref.string("version", true);
      if (taskName != null && taskVersion != null) {
        Optional<TaskDefinition> task = tasks.apply(taskName, taskVersion);
        if (task.isEmpty()) {
          violations.add(new Violation(refAt, "task " + taskName + " version " + taskVersion
              + " is not registered in this project and domain"));
        } else if (mapOf.containsKey(id) && !task.get().typedInterface().inputs().containsKey(mapOf.get(id).input())) {
          violations.add(new Violation(at + "/map/input", "task " + taskName + ":" + taskVersion + " has no input '"
              + mapOf.get(id).input() + "' to map over; its inputs are " + task.get().typedInterface().inputs().keySet()));
        } else {
          taskOf.put(id, task.get());
          outputsOf.put(id, mapOf.containsKey(id) ? mapOf.get(id).outputTypes(task.get().typedInterface().outputs())
              : task.get().typedInterface().outputs());
        }
      }
    }

    // Second pass: bindings.
    List<CompiledNode> nodes = new ArrayList<>();
    Map<String, Set<String>> upstream = new LinkedHashMap<>();
    for (var entry : index.entrySet()) {
      String id = entry.getKey();
      String at = "/nodes/" + entry.getValue();
      TaskDefinition task = taskOf.get(id);
      if (task == null) {
        continue;
      }
      Map<String, Binding> inputs = new LinkedHashMap<>();
      Set<String> dependsOn = new LinkedHashSet<>();
      JsonNode inputsJson = nodesJson.get(entry.getValue()).get("inputs");
      if (inputsJson != null && !inputsJson.isNull() && !inputsJson.isObject()) {
        violations.add(new Violation(at + "/inputs", "inputs must be an object of input name to binding"));
      } else if (inputsJson != null && inputsJson.isObject()) {
        for (var input : inputsJson.properties()) {
          String inputAt = at + "/inputs/" + input.getKey();
          LiteralType expected = task.typedInterface().inputs().get(input.getKey());
          if (expected == null) {
            violations.add(new Violation(inputAt, "task " + task.name() + ":" + task.version() + " has no input '"
                + input.getKey() + "'; its inputs are " + task.typedInterface().inputs().keySet()));
            continue;
          }
          MapTask map = mapOf.get(id);
          boolean mapped = map != null && map.input().equals(input.getKey());
          if (mapped) {
            // The map's input takes a collection of what the task takes; each item goes to one run.
            expected = new LiteralType.Collection(expected);
          }
          Binding binding = binding(input.getValue(), expected, inputAt, id, typed, outputsOf, index, violations);
          JsonNode items = input.getValue().get("value");
          if (binding instanceof Binding.Literal && mapped && items.size() > Limits.MAX_MAP_ITEMS) {
            violations.add(new Violation(inputAt + "/value", "a map node runs over at most " + Limits.MAX_MAP_ITEMS
                + " items, this collection has " + items.size()));
          } else if (binding != null) {
            inputs.put(input.getKey(), binding);
            if (binding instanceof Binding.FromNode fromNode) {
              dependsOn.add(fromNode.node());
            }
          }
        }
      }
      for (var declared : task.typedInterface().inputs().entrySet()) {
        if (!(declared.getValue() instanceof LiteralType.Optional)
            && (inputsJson == null || !inputsJson.isObject() || !inputsJson.has(declared.getKey()))) {
          violations.add(new Violation(at + "/inputs/" + declared.getKey(), "input '" + declared.getKey() + "' ("
              + declared.getValue().describe() + ") of task " + task.name() + ":" + task.version() + " is not bound"));
        }
      }
      nodes.add(new CompiledNode(id, task, inputs, mapOf.get(id)));
      upstream.put(id, dependsOn);
    }

    // Workflow outputs.
    Map<String, Binding> outputs = new LinkedHashMap<>();
    JsonNode outputsJson = workflow.get("outputs");
    if (outputsJson != null && !outputsJson.isObject()) {
      violations.add(new Violation("/outputs", "outputs must be an object of output name to {fromNode, output}"));
    } else if (outputsJson != null) {
      for (var output : outputsJson.properties()) {
        String at = "/outputs/" + output.getKey();
        LiteralType expected = typed.outputs().get(output.getKey());
        if (expected == null) {
          violations.add(new Violation(at, "the workflow interface declares no output '" + output.getKey() + "'"));
          continue;
        }
        Binding binding = binding(output.getValue(), expected, at, null, typed, outputsOf, index, violations);
        if (binding != null) {
          outputs.put(output.getKey(), binding);
        }
      }
    }
    for (var declared : typed.outputs().keySet()) {
      if (!outputs.containsKey(declared) && (outputsJson == null || !outputsJson.has(declared))) {
        violations.add(new Violation("/outputs/" + declared, "workflow output '" + declared + "' is not bound"));
      }
    }

    findCycle(upstream).ifPresent(cycle -> violations.add(new Violation("/nodes/" + index.get(cycle.getFirst()),
        "the nodes form a cycle: " + String.join(" -> ", cycle))));

    if (!violations.isEmpty()) {
      return Optional.empty();
    }
    List<Edge> edges = new ArrayList<>();
    upstream.forEach((to, froms) -> froms.forEach(from -> edges.add(new Edge(from, to))));
    return Optional.of(new Compiled(name, version, typed, nodes, outputs, maxParallelism, edges));
  }

  private static Binding binding(JsonNode json, LiteralType expected, String at, String self, TypedInterface workflow,
      Map<String, Map<String, LiteralType>> outputsOf, Map<String, Integer> index, List<Violation> violations) {
    if (json == null || !json.isObject()) {
      violations.add(new Violation(at, "a binding must be {\"fromInput\": ...}, {\"fromNode\": ..., \"output\": ...} or {\"value\": ...}"));
      return null;
    }
    int sources = (json.has("fromInput") ? 1 : 0) + (json.has("fromNode") ? 1 : 0) + (json.has("value") ? 1 : 0);
    if (sources != 1) {
      violations.add(new Violation(at, "a binding needs exactly one of fromInput, fromNode (with output) or value"));
      return null;
    }
    Fields fields = new Fields(json, at, violations);
    if (json.has("fromInput")) {
      String input = fields.string("fromInput", true);
      if (input == null) {
        return null;
      }
      LiteralType declared = workflow.inputs().get(input);
      if (declared == null) {
        violations.add(new Violation(at + "/fromInput", "the workflow has no input '" + input + "'; its inputs are "
            + workflow.inputs().keySet()));
        return null;
      }
      if (!expected.accepts(declared)) {
        violations.add(new Violation(at + "/fromInput", "type mismatch: workflow input '" + input + "' is "
            + declared.describe() + " but " + expected.describe() + " is expected"));
        return null;
      }
      return new Binding.FromInput(input);
    }
    if (json.has("fromNode")) {
      String node = fields.string("fromNode", true);
      String output = fields.string("output", false);
      if (node == null || (json.has("output") && output == null)) {
        return null;
      }
      if (node.equals(self)) {
        violations.add(new Violation(at + "/fromNode", "node '" + node + "' cannot consume its own output"));
        return null;
      }
      if (!index.containsKey(node)) {
        violations.add(new Violation(at + "/fromNode", "there is no node '" + node + "'"));
        return null;
      }
      Map<String, LiteralType> upstream = outputsOf.get(node);
      if (upstream == null) {
        return null;
      }
      if (output == null) {
        violations.add(new Violation(at + "/output", "output is required with fromNode"));
        return null;
      }
      LiteralType source = upstream.get(output);
      if (source == null) {
        violations.add(new Violation(at + "/output", "node '" + node + "' has no output '" + output + "'; its outputs are "
            + upstream.keySet()));
        return null;
      }
      if (!expected.accepts(source)) {
        violations.add(new Violation(at + "/output", "type mismatch: output '" + output + "' of node '" + node + "' is "
            + source.describe() + " but " + expected.describe() + " is expected"));
        return null;
      }
      return new Binding.FromNode(node, output);
    }
    int before = violations.size();
    ValueChecker.check(expected, json.get("value"), at + "/value", violations);
    return violations.size() == before ? new Binding.Literal(Json.text(json.get("value"))) : null;
  }

  /**
   * A cycle as a list of node ids (first repeated at the end), if the graph has one. Iterative
   * (an explicit stack), so a chain of any length cannot overflow the thread's stack.
   */
  static Optional<List<String>> findCycle(Map<String, Set<String>> upstream) {
    Map<String, Integer> state = new HashMap<>();
    for (String start : upstream.keySet()) {
      if (state.containsKey(start)) {
        continue;
      }
      List<String> path = new ArrayList<>();
      Deque<Iterator<String>> pending = new ArrayDeque<>();
      state.put(start, 1);
      path.add(start);
      pending.push(upstream.getOrDefault(start, Set.of()).iterator());
      while (!pending.isEmpty()) {
        Iterator<String> next = pending.peek();
        if (!next.hasNext()) {
          pending.pop();
          state.put(path.removeLast(), 2);
          continue;
        }
        String node = next.next();
        int seen = state.getOrDefault(node, 0);
        if (seen == 1) {
          List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
          cycle.add(node);
          return Optional.of(cycle);
        }
        if (seen == 0) {
          state.put(node, 1);
          path.add(node);
          pending.push(upstream.getOrDefault(node, Set.of()).iterator());
        }
      }
    }
    return Optional.empty();
  }
}
