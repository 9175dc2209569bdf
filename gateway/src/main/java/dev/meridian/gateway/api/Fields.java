package dev.meridian.gateway.api;

import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Reads fields of a JSON request, collecting located violations instead of failing on the first. */
public final class Fields {

  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  private final JsonNode node;
  private final String pointer;
  private final List<Violation> violations;

  public Fields(JsonNode node, String pointer, List<Violation> violations) {
    this.node = node;
    this.pointer = pointer;
    this.violations = violations;
  }

  public String at(String field) {
    return pointer + "/" + field;
  }

  public JsonNode get(String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  public void onlyKnown(Set<String> known) {
    for (String name : node.propertyNames()) {
      if (!known.contains(name)) {
        violations.add(new Violation(at(name), "unknown field '" + name + "'; known fields: " + new java.util.TreeSet<>(known)));
      }
    }
  }

  public String name(String field) {
    String value = string(field, true);
    if (value != null && !NAME.matcher(value).matches()) {
      violations.add(new Violation(at(field), field + " '" + value
          + "' must be 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit"));
    }
    return value;
  }

  public String string(String field, boolean required) {
    JsonNode value = get(field);
    if (value == null) {
      if (required) {
        violations.add(new Violation(at(field), field + " is required"));
      }
      return null;
    }
    if (!value.isString() || (required && value.stringValue().isBlank())) {
      violations.add(new Violation(at(field), field + " must be a non-empty string"));
      return null;
    }
    return value.stringValue();
  }

  public int integer(String field, int fallback, int min, int max) {
    JsonNode value = get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
      violations.add(new Violation(at(field), field + " must be an integer from " + min + " to " + max));
      return fallback;
    }
    return value.asInt();
  }

  public boolean bool(String field, boolean fallback) {
    JsonNode value = get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isBoolean()) {
      violations.add(new Violation(at(field), field + " must be true or false"));
      return fallback;
    }
    return value.asBoolean();
  }

  public List<String> strings(String field, boolean required) {
    JsonNode value = get(field);
    List<String> strings = new ArrayList<>();
    if (value == null) {
      if (required) {
        violations.add(new Violation(at(field), field + " is required"));
      }
      return strings;
    }
    if (!value.isArray()) {
      violations.add(new Violation(at(field), field + " must be an array of strings"));
      return strings;
    }
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isString()) {
        violations.add(new Violation(at(field) + "/" + i, "must be a string"));
      } else {
        strings.add(value.get(i).stringValue());
      }
    }
    if (required && strings.isEmpty() && value.isEmpty()) {
      violations.add(new Violation(at(field), field + " must not be empty"));
    }
    return strings;
  }

  public Map<String, String> stringMap(String field) {
    JsonNode value = get(field);
    Map<String, String> map = new LinkedHashMap<>();
    if (value == null) {
      return map;
    }
    if (!value.isObject()) {
      violations.add(new Violation(at(field), field + " must be an object of strings"));
      return map;
    }
    for (var entry : value.properties()) {
      if (!entry.getValue().isString()) {
        violations.add(new Violation(at(field) + "/" + entry.getKey(), "must be a string"));
      } else {
        map.put(entry.getKey(), entry.getValue().stringValue());
      }
    }
    return map;
  }

  public Fields object(String field, boolean required) {
    JsonNode value = get(field);
    if (value == null) {
      if (required) {
        violations.add(new Violation(at(field), field + " is required"));
      }
      return null;
    }
    if (!value.isObject()) {
      violations.add(new Violation(at(field), field + " must be an object"));
      return null;
    }
    return new Fields(value, at(field), violations);
  }

  public JsonNode node() {
    return node;
  }
}
