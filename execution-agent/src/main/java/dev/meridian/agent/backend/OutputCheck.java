package dev.meridian.agent.backend;

import dev.meridian.workflow.TypedInterface;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A task's outputs against its declared interface, whatever backend ran it. */
public final class OutputCheck {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Outputs travel in a task event and the execution's history: larger data is a blob URI. */
  public static final int MAX_BYTES = 1024 * 1024;

  private OutputCheck() {}

  public sealed interface Result {}

  public record Valid(String outputsJson) implements Result {}

  public record Invalid(String reason) implements Result {}

  /** {@code outputs} is the text the task wrote; null or blank means it wrote nothing. */
  public static Result check(String interfaceJson, String outputs) {
    if (outputs != null && outputs.length() > MAX_BYTES) {
      return new Invalid("the outputs are " + outputs.length() + " characters, over the limit of " + MAX_BYTES
          + ": pass large data as a blob URI in your storage");
    }
    JsonNode values;
    try {
      values = outputs == null || outputs.isBlank() ? JSON.createObjectNode() : JSON.readTree(outputs);
    } catch (RuntimeException e) {
      return new Invalid("the outputs file $MERIDIAN_OUTPUTS is not valid JSON: " + e.getMessage());
    }
    List<Violation> violations = new ArrayList<>();
    TypedInterface declared = TypedInterface.parse(JSON.readTree(interfaceJson == null || interfaceJson.isBlank() ? "{}" : interfaceJson),
        "/interface", violations);
    declared.checkOutputs(values, "", violations);
    if (!violations.isEmpty()) {
      return new Invalid("the task's outputs do not match its interface: "
          + violations.stream().map(v -> (v.pointer().isEmpty() ? "" : v.pointer() + ": ") + v.message()).toList());
    }
    return new Valid(JSON.writeValueAsString(values));
  }
}
