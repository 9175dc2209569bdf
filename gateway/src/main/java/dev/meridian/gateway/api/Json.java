package dev.meridian.gateway.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Canonical JSON: sorted keys, so equal documents have equal text and digest. */
public final class Json {

  public static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  public static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = MAPPER.createObjectNode();
      TreeMap<String, JsonNode> fields = new TreeMap<>();
      node.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
      fields.forEach((k, v) -> sorted.set(k, canonical(v)));
      return sorted;
    }
    if (node.isArray()) {
      ArrayNode array = MAPPER.createArrayNode();
      node.forEach(v -> array.add(canonical(v)));
      return array;
    }
    return node;
  }

  public static String text(JsonNode node) {
    return MAPPER.writeValueAsString(canonical(node));
  }

  public static JsonNode read(String text) {
    return MAPPER.readTree(text);
  }

  public static String digest(JsonNode node) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text(node).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
