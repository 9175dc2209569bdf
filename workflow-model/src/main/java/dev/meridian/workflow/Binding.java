package dev.meridian.workflow;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Where a node's input (or a workflow's output) comes from: a workflow input, another node's
 * output, or a JSON literal. The registry compiles it, the router's plan carries it, the planner
 * resolves it — one shape for all three.
 *
 * <p>The JSON form is flat, {@code {"fromInput"}}, {@code {"fromNode", "output"}} or
 * {@code {"valueJson"}}, because execution plans in Temporal histories were recorded with the four
 * fields of one record before this type existed; {@link #of} reads both.
 */
public sealed interface Binding {

  record FromInput(@JsonProperty("fromInput") String input) implements Binding {
    public FromInput {
      Objects.requireNonNull(input, "input");
    }
  }

  record FromNode(@JsonProperty("fromNode") String node, @JsonProperty("output") String output) implements Binding {
    public FromNode {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(output, "output");
    }
  }

  /** {@code json}: the value as JSON text, already checked against the input's type. */
  record Literal(@JsonProperty("valueJson") String json) implements Binding {
    public Literal {
      Objects.requireNonNull(json, "json");
    }
  }

  /** Exactly one source must be set. */
  @JsonCreator
  static Binding of(@JsonProperty("fromInput") String fromInput, @JsonProperty("fromNode") String fromNode,
      @JsonProperty("output") String output, @JsonProperty("valueJson") String valueJson) {
    if (fromInput != null) {
      return new FromInput(fromInput);
    }
    if (fromNode != null) {
      return new FromNode(fromNode, output);
    }
    if (valueJson != null) {
      return new Literal(valueJson);
    }
    throw new IllegalArgumentException("a binding needs a workflow input, a node output or a value");
  }
}
