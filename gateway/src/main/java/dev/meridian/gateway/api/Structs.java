package dev.meridian.gateway.api;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * google.protobuf.Struct, the gRPC API's JSON, to and from Jackson trees. Struct has only double
 * numbers, so a whole number comes back as an integer: {@code 4.0} from a gRPC client is the
 * integer 4 a REST client would have sent.
 */
public final class Structs {

  private static final double MAX_EXACT = 9_007_199_254_740_992d;

  private Structs() {}

  public static JsonNode toJson(Struct struct) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    struct.getFieldsMap().forEach((name, value) -> object.set(name, toJson(value)));
    return object;
  }

  static JsonNode toJson(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> Json.MAPPER.nullNode();
      case BOOL_VALUE -> Json.MAPPER.getNodeFactory().booleanNode(value.getBoolValue());
      case STRING_VALUE -> Json.MAPPER.getNodeFactory().stringNode(value.getStringValue());
      case NUMBER_VALUE -> {
        double number = value.getNumberValue();
        yield number == Math.rint(number) && Math.abs(number) <= MAX_EXACT
            ? Json.MAPPER.getNodeFactory().numberNode((long) number)
            : Json.MAPPER.getNodeFactory().numberNode(number);
      }
      case STRUCT_VALUE -> toJson(value.getStructValue());
      case LIST_VALUE -> {
        ArrayNode array = Json.MAPPER.createArrayNode();
        value.getListValue().getValuesList().forEach(item -> array.add(toJson(item)));
        yield array;
      }
    };
  }

  public static Struct toStruct(Object value) {
    JsonNode node = value instanceof JsonNode json ? json : Json.MAPPER.valueToTree(value);
    return toValue(node).getStructValue();
  }

  static Value toValue(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (node.isBoolean()) {
      return Value.newBuilder().setBoolValue(node.asBoolean()).build();
    }
    if (node.isNumber()) {
      return Value.newBuilder().setNumberValue(node.asDouble()).build();
    }
    if (node.isString()) {
      return Value.newBuilder().setStringValue(node.stringValue()).build();
    }
    if (node.isArray()) {
      ListValue.Builder list = ListValue.newBuilder();
      node.forEach(item -> list.addValues(toValue(item)));
      return Value.newBuilder().setListValue(list).build();
    }
    Struct.Builder struct = Struct.newBuilder();
    node.properties().forEach(entry -> struct.putFields(entry.getKey(), toValue(entry.getValue())));
    return Value.newBuilder().setStructValue(struct).build();
  }
}
