package dev.meridian.testkit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hostile variants of a valid JSON request body, for fuzzing a write endpoint: every field (to a
 * depth) replaced by the wrong type, an out-of-range number, an odd or huge string, a deep
 * structure; and whole bodies that are no object, nested thousands deep, or simply huge. An
 * endpoint must answer each with a 4xx, never a 5xx. Deterministic, so a failure reproduces.
 */
public final class HostileJson {

  /** One request body and what it is. */
  public record Case(String description, String body) {}

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private HostileJson() {}

  /** Replacement values: each is put in place of every field of the valid body. */
  static Map<String, JsonNode> replacements() {
    Map<String, JsonNode> values = new java.util.LinkedHashMap<>();
    values.put("null", NODES.nullNode());
    values.put("true", NODES.booleanNode(true));
    values.put("a string", NODES.stringNode("x"));
    values.put("an empty string", NODES.stringNode(""));
    values.put("a number", NODES.numberNode(7));
    values.put("a negative number", NODES.numberNode(-1));
    values.put("a fraction", NODES.numberNode(0.5));
    values.put("a huge integer", NODES.numberNode(new java.math.BigInteger("99999999999999999999999999999999999999")));
    values.put("a huge float", NODES.numberNode(new java.math.BigDecimal("1e400")));
    values.put("Long.MIN_VALUE", NODES.numberNode(Long.MIN_VALUE));
    values.put("an array", NODES.arrayNode().add(1).add("x"));
    values.put("an empty object", NODES.objectNode());
    values.put("an object", NODES.objectNode().put("unexpected", 1));
    values.put("odd characters", NODES.stringNode("../\u0000\u202e\ud83d\ude00<script>'\";--%s%n"));
    values.put("a long string", NODES.stringNode("x".repeat(100_000)));
    values.put("a wide array", wide(5_000));
    values.put("a deep array", deep(200));
    return values;
  }

  /** Every variant of {@code valid}: fields replaced down to {@code depth}, then whole-body cases. */
  public static List<Case> variants(String valid, int depth) {
    JsonNode seed = JSON.readTree(valid);
    List<Case> cases = new ArrayList<>();
    List<String> pointers = new ArrayList<>();
    collect(seed, "", depth, pointers);
    for (String pointer : pointers) {
      for (var replacement : replacements().entrySet()) {
        JsonNode copy = seed.deepCopy();
        replace(copy, pointer, replacement.getValue());
        cases.add(new Case(pointer + " is " + replacement.getKey(), JSON.writeValueAsString(copy)));
      }
      JsonNode without = seed.deepCopy();
      remove(without, pointer);
      cases.add(new Case(pointer + " is missing", JSON.writeValueAsString(without)));
    }
    cases.add(new Case("the body is an array", "[]"));
    cases.add(new Case("the body is a string", "\"x\""));
    cases.add(new Case("the body is a number", "1e999"));
    cases.add(new Case("the body is null", "null"));
    cases.add(new Case("the body is empty", ""));
    cases.add(new Case("the body is truncated", valid.substring(0, valid.length() / 2)));
    cases.add(new Case("the body is nested 100,000 deep", "[".repeat(100_000) + "]".repeat(100_000)));
    cases.add(new Case("the body is objects nested 10,000 deep", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000)));
    cases.add(new Case("the body has a duplicate key", valid.replaceFirst("\\{", "{\"dup\":1,\"dup\":2,")));
    cases.add(new Case("the body is not UTF-8", new String(new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}, java.nio.charset.StandardCharsets.ISO_8859_1)));
    return cases;
  }

  private static void collect(JsonNode node, String pointer, int depth, List<String> into) {
    if (depth == 0) {
      return;
    }
    if (node instanceof ObjectNode object) {
      for (Iterator<String> names = object.propertyNames().iterator(); names.hasNext(); ) {
        String name = names.next();
        String child = pointer + "/" + name.replace("~", "~0").replace("/", "~1");
        into.add(child);
        collect(object.get(name), child, depth - 1, into);
      }
    } else if (node instanceof ArrayNode array && !array.isEmpty()) {
      into.add(pointer + "/0");
      collect(array.get(0), pointer + "/0", depth - 1, into);
    }
  }

  private static void replace(JsonNode root, String pointer, JsonNode value) {
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = root.at(pointer.substring(0, slash));
    String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    if (parent instanceof ObjectNode object) {
      object.set(last, value);
    } else if (parent instanceof ArrayNode array) {
      array.set(Integer.parseInt(last), value);
    }
  }

  private static void remove(JsonNode root, String pointer) {
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = root.at(pointer.substring(0, slash));
    String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    if (parent instanceof ObjectNode object) {
      object.remove(last);
    } else if (parent instanceof ArrayNode array) {
      array.remove(Integer.parseInt(last));
    }
  }

  private static ArrayNode wide(int size) {
    ArrayNode array = NODES.arrayNode();
    for (int i = 0; i < size; i++) {
      array.add(i);
    }
    return array;
  }

  private static JsonNode deep(int depth) {
    JsonNode node = NODES.numberNode(1);
    for (int i = 0; i < depth; i++) {
      node = NODES.arrayNode().add(node);
    }
    return node;
  }
}
