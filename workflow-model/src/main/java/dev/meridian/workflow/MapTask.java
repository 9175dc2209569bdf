package dev.meridian.workflow;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map node (Flyte's map task): its task runs once per item of the collection bound to
 * {@code input}, every other input passed to each item, at most {@code concurrency} items at once
 * (0: as many as the execution allows), and the node succeeds when at least {@code minSuccessRatio}
 * of the items do. Each task output becomes a collection in item order; with a ratio below 1 a
 * failed item leaves {@code null}, so the collection is of optionals.
 */
public record MapTask(String input, int concurrency, double minSuccessRatio) {

  public static final double ALL = 1.0;

  /** The type the map node exposes for a task output of type {@code taskOutput}. */
  public LiteralType outputType(LiteralType taskOutput) {
    return new LiteralType.Collection(minSuccessRatio < ALL && !(taskOutput instanceof LiteralType.Optional)
        ? new LiteralType.Optional(taskOutput) : taskOutput);
  }

  /** The map node's outputs, for a task with {@code taskOutputs}. */
  public Map<String, LiteralType> outputTypes(Map<String, LiteralType> taskOutputs) {
    Map<String, LiteralType> outputs = new LinkedHashMap<>();
    taskOutputs.forEach((name, type) -> outputs.put(name, outputType(type)));
    return outputs;
  }

  /** How many of {@code items} may fail with the node still succeeding. */
  public int allowedFailures(int items) {
    // A small epsilon: 0.9 of 100 items is 90, not 89.99999 rounded up to 90 failing one too many.
    return items - (int) Math.ceil(items * minSuccessRatio - 1e-9);
  }

  /** The id an item runs under in attempts and logs: {@code node[17]}. Node ids cannot contain brackets. */
  public static String itemRunId(String nodeId, int item) {
    return nodeId + "[" + item + "]";
  }
}
