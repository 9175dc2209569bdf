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
  /** No text field of the API is longer; descriptions and commands fit, anything larger is a blob URI. */
  public static final int MAX_TEXT = 10_000;

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
      violations.add(new Violation(at(field), field + " " + quote(value)
          + " must be 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit"));
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
    return text(at(field), value.stringValue()) ? value.stringValue() : null;
  }

  /** Whether {@code text} may be stored: at most {@link #MAX_TEXT} characters and no NUL (which PostgreSQL cannot keep). */
  private boolean text(String at, String text) {
    if (text.length() > MAX_TEXT) {
      violations.add(new Violation(at, "must be at most " + MAX_TEXT + " characters, not " + text.length()));
      return false;
    }
    if (text.indexOf('\u0000') >= 0) {
      violations.add(new Violation(at, "must not contain the NUL character (\\u0000)"));
      return false;
    }
    return true;
  }

  /** {@code value} for a message: quoted, and cut short if long, so an answer never echoes a huge input. */
  public static String quote(String value) {
    return "'" + (value.length() > 60 ? value.substring(0, 60) + "…" : value) + "'";
  }

  public int integer(String field, int fallback, int min, int max) {
    JsonNode value = get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
      violations.add(new Violation(at(field), field + " must be an integer from " + min + " to " + max));
      return fallback;
    }
    return value.asInt();
  }

  /** A number from 0 to 1. */
  public double fraction(String field, double fallback) {
    JsonNode value = get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 1) {
      violations.add(new Violation(at(field), field + " must be a number from 0 to 1"));
      return fallback;
    }
    return value.asDouble();
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
      } else if (text(at(field) + "/" + i, value.get(i).stringValue())) {
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
      String at = at(field) + "/" + entry.getKey();
      if (!entry.getValue().isString()) {
        violations.add(new Violation(at, "must be a string"));
      } else if (text(at, entry.getKey()) && text(at, entry.getValue().stringValue())) {
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
