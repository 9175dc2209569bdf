package dev.meridian.workflow;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Checks a JSON value against a {@link LiteralType}, as values travel on the REST API and in task files. */
public final class ValueChecker {

  private ValueChecker() {}

  public static void check(LiteralType type, JsonNode value, String pointer, List<Violation> violations) {
    if (value == null || value.isNull()) {
      if (!(type instanceof LiteralType.Optional)) {
        violations.add(new Violation(pointer, "expected " + type.describe() + " but got null"));
      }
      return;
    }
    switch (type) {
      case LiteralType.Optional optional -> check(optional.of(), value, pointer, violations);
      case LiteralType.Simple simple -> checkScalar(simple.scalar(), value, pointer, violations, type);
      case LiteralType.Blob blob -> expect(value.isString() && !value.stringValue().isBlank(), value, pointer, violations, "a blob URI string");
      case LiteralType.StructuredDataset dataset -> expect(value.isString() && !value.stringValue().isBlank(), value, pointer, violations, "a structured dataset URI string");
      case LiteralType.Collection collection -> {
        if (expect(value.isArray(), value, pointer, violations, type.describe())) {
          for (int i = 0; i < value.size(); i++) {
            check(collection.of(), value.get(i), pointer + "/" + i, violations);
          }
        }
      }
      case LiteralType.MapOf map -> {
        if (expect(value.isObject(), value, pointer, violations, type.describe())) {
          for (var entry : value.properties()) {
            check(map.of(), entry.getValue(), Violation.child(pointer, entry.getKey()), violations);
          }
        }
      }
    }
  }

  private static void checkScalar(LiteralType.Scalar scalar, JsonNode value, String pointer, List<Violation> violations, LiteralType type) {
    switch (scalar) {
      case INTEGER -> expect(value.isIntegralNumber(), value, pointer, violations, "integer");
      case FLOAT -> expect(value.isNumber(), value, pointer, violations, "float");
      case BOOLEAN -> expect(value.isBoolean(), value, pointer, violations, "boolean");
      case STRING -> expect(value.isString(), value, pointer, violations, "string");
      case DATETIME -> {
        if (expect(value.isString(), value, pointer, violations, "datetime (RFC 3339 string)")) {
          try {
            OffsetDateTime.parse(value.stringValue());
          } catch (DateTimeException e) {
            violations.add(new Violation(pointer, "expected datetime (RFC 3339, e.g. 2026-01-31T12:00:00Z) but got '" + value.stringValue() + "'"));
          }
        }
      }
      case DURATION -> {
        if (expect(value.isString(), value, pointer, violations, "duration string like \"90s\"") && Durations.parse(value.stringValue()).isEmpty()) {
          violations.add(new Violation(pointer, "expected duration like \"90s\", \"5m\" or \"1h30m\" but got '" + value.stringValue() + "'"));
        }
      }
    }
  }

  private static boolean expect(boolean ok, JsonNode value, String pointer, List<Violation> violations, String expected) {
    if (!ok) {
      violations.add(new Violation(pointer, "expected " + expected + " but got " + kind(value)));
    }
    return ok;
  }

  private static String kind(JsonNode value) {
    if (value.isIntegralNumber()) return "integer " + value;
    if (value.isNumber()) return "float " + value;
    if (value.isString()) return "string \"" + value.stringValue() + "\"";
    if (value.isBoolean()) return "boolean " + value;
    if (value.isArray()) return "an array";
    if (value.isObject()) return "an object";
    return value.getNodeType().name().toLowerCase();
  }
}
