package dev.meridian.workflow;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Named, typed inputs and outputs of a task or a workflow: {@code {"inputs":{"x":{"type":"integer"}},"outputs":{...}}}. */
public record TypedInterface(Map<String, LiteralType> inputs, Map<String, LiteralType> outputs) {

  public TypedInterface {
    inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  public static TypedInterface parse(JsonNode node, String pointer, List<Violation> violations) {
    if (node == null || node.isNull()) {
      return new TypedInterface(Map.of(), Map.of());
    }
    if (!node.isObject()) {
      violations.add(new Violation(pointer, "interface must be an object with 'inputs' and 'outputs'"));
      return new TypedInterface(Map.of(), Map.of());
    }
    return new TypedInterface(
        parseVariables(node.get("inputs"), Violation.child(pointer, "inputs"), violations),
        parseVariables(node.get("outputs"), Violation.child(pointer, "outputs"), violations));
  }

  private static Map<String, LiteralType> parseVariables(JsonNode node, String pointer, List<Violation> violations) {
    Map<String, LiteralType> variables = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return variables;
    }
    if (!node.isObject()) {
      violations.add(new Violation(pointer, "must be an object of name to type"));
      return variables;
    }
    for (var entry : node.properties()) {
      String name = entry.getKey();
      String at = Violation.child(pointer, name);
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        violations.add(new Violation(at, "name '" + name + "' must start with a letter or '_' and contain only letters, digits and '_'"));
        continue;
      }
      LiteralType type = LiteralType.parse(entry.getValue(), at, violations);
      if (type != null) {
        variables.put(name, type);
      }
    }
    return variables;
  }

  /**
   * Checks a JSON object of values against this interface's inputs: every required input present and
   * well typed, no unknown names.
   */
  public void checkInputs(JsonNode values, String pointer, List<Violation> violations) {
    checkValues(inputs, values, pointer, violations, "input");
  }

  /** The same check for outputs, as a task writes them. */
  public void checkOutputs(JsonNode values, String pointer, List<Violation> violations) {
    checkValues(outputs, values, pointer, violations, "output");
  }

  private static void checkValues(Map<String, LiteralType> declared, JsonNode values, String pointer,
      List<Violation> violations, String what) {
    if (values == null || values.isNull()) {
      values = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    if (!values.isObject()) {
      violations.add(new Violation(pointer, what + "s must be a JSON object"));
      return;
    }
    for (var entry : declared.entrySet()) {
      JsonNode value = values.get(entry.getKey());
      String at = Violation.child(pointer, entry.getKey());
      if (value == null && !(entry.getValue() instanceof LiteralType.Optional)) {
        violations.add(new Violation(at, "missing " + what + " '" + entry.getKey() + "' of type " + entry.getValue().describe()));
      } else if (value != null) {
        ValueChecker.check(entry.getValue(), value, at, violations);
      }
    }
    for (var name : values.propertyNames()) {
      if (!declared.containsKey(name)) {
        violations.add(new Violation(Violation.child(pointer, name), "unknown " + what + " '" + name + "'; declared: " + declared.keySet()));
      }
    }
  }
}
