package dev.meridian.router.execution;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import dev.meridian.workflow.Binding;
import dev.meridian.workflow.MapTask;
import dev.meridian.workflow.ResourceRequest;

/**
 * What the execution workflow runs: the compiled DAG with every task it needs. The workflow's input,
 * so it must stay serialisable by Temporal's JSON converter and replayable: add fields, never rename.
 * {@code priority} orders the org's admission queue (higher first); histories from before it read 0.
 * {@code tasks}: each task once, by {@code name:version}, for nodes that refer to it by
 * {@code taskRef} — a 10,000-node fan-out of one task carries it once, not 10,000 times, and stays
 * far below Temporal's payload limit each time the workflow continues as new. Plans from before it
 * carry the task in every node.
 */
public record Plan(
    String org, String project, String domain, String executionId,
    List<Node> nodes, Map<String, Binding> outputs, int maxParallelism, String inputsJson,
    Map<String, String> clusterLabels, int priority, Map<String, Task> tasks) {

  public Plan {
    Objects.requireNonNull(org, "org");
    Objects.requireNonNull(executionId, "executionId");
    nodes = List.copyOf(nodes);
    outputs = Map.copyOf(outputs);
    clusterLabels = clusterLabels == null ? Map.of() : Map.copyOf(clusterLabels);
    tasks = tasks == null ? Map.of() : Map.copyOf(tasks);
  }

  /** A plan whose nodes each carry their task. */
  public Plan(String org, String project, String domain, String executionId, List<Node> nodes, Map<String, Binding> outputs,
      int maxParallelism, String inputsJson, Map<String, String> clusterLabels, int priority) {
    this(org, project, domain, executionId, nodes, outputs, maxParallelism, inputsJson, clusterLabels, priority, Map.of());
  }

  /** The node's task: its own, or the plan's entry it refers to. */
  public Task taskOf(Node node) {
    return node.task() != null ? node.task() : tasks.get(node.taskRef());
  }

  /**
   * Exactly one of {@code task} and {@code taskRef} (a key of the plan's {@code tasks}). {@code map}:
   * set on a map node, whose task runs once per item; absent in plans from before map nodes.
   */
  public record Node(String id, Task task, Map<String, Binding> inputs, String taskRef, MapTask map) {
    public Node {
      inputs = Map.copyOf(inputs);
    }

    public Node(String id, Task task, Map<String, Binding> inputs) {
      this(id, task, inputs, null, null);
    }

    public static Node referring(String id, String taskRef, Map<String, Binding> inputs) {
      return new Node(id, null, inputs, taskRef, null);
    }

    public static Node mapping(String id, String taskRef, Map<String, Binding> inputs, MapTask map) {
      return new Node(id, null, inputs, taskRef, map);
    }
  }

  /** {@code resources} is absent in histories recorded before placement existed: the default request then. */
  /** {@code secrets}: names and delivery only; empty in histories from before tasks could declare them. */
  public record Task(String name, String version, String image, List<String> command, List<String> args,
      Map<String, String> env, String interfaceJson, int retries, long timeoutSeconds, ResourceRequest resources,
      List<dev.meridian.workflow.SecretMount> secrets) {
    public Task {
      command = List.copyOf(command);
      args = List.copyOf(args);
      env = Map.copyOf(env);
      resources = resources == null ? ResourceRequest.DEFAULT : resources;
      secrets = secrets == null ? List.of() : List.copyOf(secrets);
    }

    public Task(String name, String version, String image, List<String> command, List<String> args,
        Map<String, String> env, String interfaceJson, int retries, long timeoutSeconds, ResourceRequest resources) {
      this(name, version, image, command, args, env, interfaceJson, retries, timeoutSeconds, resources, List.of());
    }
  }

  public String workflowId() {
    return workflowId(org, executionId);
  }

  public static String workflowId(String org, String executionId) {
    return "execution/" + org + "/" + executionId;
  }
}
