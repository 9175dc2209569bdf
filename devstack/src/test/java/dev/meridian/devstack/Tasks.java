package dev.meridian.devstack;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Shell-command tasks and workflows for the end-to-end tests, built as the REST API takes them. */
final class Tasks {

  private Tasks() {}

  /** A task that runs {@code script} with {@code sh -c}: integer inputs in, integer outputs out. */
  static ObjectNode shell(String name, List<String> inputs, List<String> outputs, String script, int retries, String timeout,
      Map<String, String> env) {
    ObjectNode task = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
    ObjectNode iface = task.putObject("interface");
    inputs.forEach(i -> iface.putObject("inputs").putObject(i).put("type", "integer"));
    ObjectNode outs = iface.putObject("outputs");
    outputs.forEach(o -> outs.putObject(o).put("type", "integer"));
    ObjectNode container = task.putObject("container").put("image", "busybox:1.36");
    container.putArray("command").add("sh").add("-c").add(script);
    ObjectNode environment = container.putObject("env");
    env.forEach(environment::put);
    task.put("retries", retries);
    if (timeout != null) {
      task.put("timeout", timeout);
    }
    return task;
  }

  /** A task with no inputs that needs one GPU of {@code gpuType}. */
  static ObjectNode gpu(String name, String gpuType, String cpu) {
    ObjectNode task = shell(name, List.of(), List.of("y"), "true", 0, null, Map.of());
    task.putObject("resources").put("cpu", cpu).put("memory", "1Gi").put("gpu", 1).put("gpuType", gpuType);
    return task;
  }

  /** Independent nodes, each running the task named for it, with no inputs. */
  static ObjectNode parallel(String name, Map<String, String> nodeTasks) {
    ObjectNode workflow = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
    var nodes = workflow.putArray("nodes");
    nodeTasks.forEach((node, task) -> nodes.addObject().put("id", node).putObject("task").put("name", task).put("version", "1"));
    return workflow;
  }

  /** A chain n1 -> n2 -> ... of one task, each node's x bound to the previous node's y. */
  static JsonNode chain(String name, String task, int length) {
    ObjectNode workflow = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
    ObjectNode iface = workflow.putObject("interface");
    iface.putObject("inputs").putObject("x").put("type", "integer");
    iface.putObject("outputs").putObject("y").put("type", "integer");
    var nodes = workflow.putArray("nodes");
    for (int i = 1; i <= length; i++) {
      ObjectNode node = nodes.addObject().put("id", "n" + i);
      node.putObject("task").put("name", task).put("version", "1");
      ObjectNode x = node.putObject("inputs").putObject("x");
      if (i == 1) {
        x.put("fromInput", "x");
      } else {
        x.put("fromNode", "n" + (i - 1)).put("output", "y");
      }
    }
    workflow.putObject("outputs").putObject("y").put("fromNode", "n" + length).put("output", "y");
    return workflow;
  }
}
