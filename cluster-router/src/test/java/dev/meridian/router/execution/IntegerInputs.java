package dev.meridian.router.execution;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Reads a node's resolved inputs as integers, for the fake agent of the workflow tests. */
final class IntegerInputs {

  private IntegerInputs() {}

  static Map<String, Integer> read(String json) {
    Map<String, Integer> values = new LinkedHashMap<>();
    JsonMapper.builder().build().readTree(json).properties().forEach(e -> values.put(e.getKey(), e.getValue().asInt()));
    return values;
  }
}
