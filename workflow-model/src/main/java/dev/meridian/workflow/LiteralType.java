package dev.meridian.workflow;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The type of a task or workflow input or output, written in JSON as in API.md:
 * {@code {"type":"integer"}}, {@code {"type":"collection","of":{...}}}, {@code {"type":"blob","format":"parquet"}}.
 */
public sealed interface LiteralType {

  enum Scalar { INTEGER, FLOAT, STRING, BOOLEAN, DATETIME, DURATION }

  record Simple(Scalar scalar) implements LiteralType {}

  record Blob(String format) implements LiteralType {}

  record StructuredDataset(Map<String, LiteralType> columns) implements LiteralType {
    public StructuredDataset {
      columns = Map.copyOf(columns);
    }
  }

  record Collection(LiteralType of) implements LiteralType {}

  record MapOf(LiteralType of) implements LiteralType {}

  record Optional(LiteralType of) implements LiteralType {}

  /**
   * Whether a value of type {@code source} may be bound where this type is expected: the same type,
   * or any T where optional-of-T is expected. Blobs without a format accept any format.
   */
  default boolean accepts(LiteralType source) {
    if (this.equals(source)) {
      return true;
    }
    return switch (this) {
      case Optional optional -> source instanceof Optional inner ? optional.of().accepts(inner.of()) : optional.of().accepts(source);
      case Blob blob -> blob.format() == null && source instanceof Blob;
      case Collection collection -> source instanceof Collection other && collection.of().accepts(other.of());
      case MapOf map -> source instanceof MapOf other && map.of().accepts(other.of());
      default -> false;
    };
  }

  /** A short human form for error messages: {@code collection<integer>}. */
  default String describe() {
    return switch (this) {
      case Simple simple -> simple.scalar().name().toLowerCase();
      case Blob blob -> blob.format() == null ? "blob" : "blob(" + blob.format() + ")";
      case StructuredDataset dataset -> "structuredDataset" + new TreeMap<>(dataset.columns()).keySet();
      case Collection collection -> "collection<" + collection.of().describe() + ">";
      case MapOf map -> "map<string," + map.of().describe() + ">";
      case Optional optional -> "optional<" + optional.of().describe() + ">";
    };
  }

  /** Parses a type; problems are added to {@code violations} and {@code null} is returned. */
  static LiteralType parse(JsonNode node, String pointer, List<Violation> violations) {
    if (node == null || !node.isObject()) {
      violations.add(new Violation(pointer, "a type must be an object like {\"type\":\"integer\"}"));
      return null;
    }
    JsonNode name = node.get("type");
    if (name == null || !name.isString()) {
      violations.add(new Violation(Violation.child(pointer, "type"), "missing type name"));
      return null;
    }
    return switch (name.stringValue()) {
      case "integer" -> new Simple(Scalar.INTEGER);
      case "float" -> new Simple(Scalar.FLOAT);
      case "string" -> new Simple(Scalar.STRING);
      case "boolean" -> new Simple(Scalar.BOOLEAN);
      case "datetime" -> new Simple(Scalar.DATETIME);
      case "duration" -> new Simple(Scalar.DURATION);
      case "blob" -> new Blob(node.hasNonNull("format") ? node.get("format").asString() : null);
      case "structuredDataset" -> parseDataset(node, pointer, violations);
      case "collection" -> wrap(node, pointer, violations, Collection::new);
      case "map" -> wrap(node, pointer, violations, MapOf::new);
      case "optional" -> wrap(node, pointer, violations, Optional::new);
      default -> {
        violations.add(new Violation(Violation.child(pointer, "type"), "unknown type '" + name.stringValue()
            + "'; expected one of integer, float, string, boolean, datetime, duration, blob, structuredDataset, collection, map, optional"));
        yield null;
      }
    };
  }

  private static LiteralType wrap(JsonNode node, String pointer, List<Violation> violations,
      java.util.function.Function<LiteralType, LiteralType> wrapper) {
    LiteralType of = parse(node.get("of"), Violation.child(pointer, "of"), violations);
    return of == null ? null : wrapper.apply(of);
  }

  private static LiteralType parseDataset(JsonNode node, String pointer, List<Violation> violations) {
    Map<String, LiteralType> columns = new LinkedHashMap<>();
    JsonNode declared = node.get("columns");
    if (declared != null && declared.isObject()) {
      for (var column : declared.properties()) {
        LiteralType type = parse(column.getValue(), Violation.child(Violation.child(pointer, "columns"), column.getKey()), violations);
        if (type != null) {
          columns.put(column.getKey(), type);
        }
      }
    }
    return new StructuredDataset(columns);
  }
}
