package dev.meridian.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TypedInterfaceTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  private static TypedInterface parse(String text) {
    List<Violation> violations = new ArrayList<>();
    TypedInterface parsed = TypedInterface.parse(json(text), "/interface", violations);
    assertThat(violations).isEmpty();
    return parsed;
  }

  @Test
  void acceptsWellTypedInputs() {
    var iface = parse("""
        {"inputs":{"n":{"type":"integer"},"tags":{"type":"collection","of":{"type":"string"}},
                   "ratio":{"type":"float"},"note":{"type":"optional","of":{"type":"string"}},
                   "when":{"type":"datetime"},"every":{"type":"duration"},"model":{"type":"blob","format":"onnx"}}}
        """);
    List<Violation> violations = new ArrayList<>();
    iface.checkInputs(json("""
        {"n":3,"tags":["a","b"],"ratio":2,"when":"2026-01-31T12:00:00Z","every":"1h30m","model":"s3://b/m.onnx"}
        """), "/inputs", violations);
    assertThat(violations).isEmpty();
  }

  @Test
  void locatesEveryWronglyTypedMissingOrUnknownInput() {
    var iface = parse("""
        {"inputs":{"n":{"type":"integer"},"tags":{"type":"collection","of":{"type":"string"}},"flag":{"type":"boolean"}}}
        """);
    List<Violation> violations = new ArrayList<>();
    iface.checkInputs(json("{\"n\":\"three\",\"tags\":[\"a\",2],\"extra\":1}"), "/inputs", violations);
    assertThat(violations).extracting(Violation::pointer)
        .containsExactlyInAnyOrder("/inputs/n", "/inputs/tags/1", "/inputs/flag", "/inputs/extra");
    assertThat(violations).filteredOn(v -> v.pointer().equals("/inputs/n"))
        .singleElement().extracting(Violation::message).asString().contains("expected integer but got string \"three\"");
  }

  @Test
  void rejectsUnknownTypeNamesWithTheirLocation() {
    List<Violation> violations = new ArrayList<>();
    TypedInterface.parse(json("{\"inputs\":{\"x\":{\"type\":\"int\"}}}"), "/interface", violations);
    assertThat(violations).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/interface/inputs/x/type");
      assertThat(v.message()).contains("unknown type 'int'");
    });
  }

  @Test
  void optionalAcceptsItsInnerTypeButNotTheOtherWayRound() {
    LiteralType integer = new LiteralType.Simple(LiteralType.Scalar.INTEGER);
    LiteralType optionalInteger = new LiteralType.Optional(integer);
    assertThat(optionalInteger.accepts(integer)).isTrue();
    assertThat(integer.accepts(optionalInteger)).isFalse();
    assertThat(integer.accepts(new LiteralType.Simple(LiteralType.Scalar.FLOAT))).isFalse();
  }

  @Test
  void parsesDurations() {
    assertThat(Durations.parse("1h30m")).contains(java.time.Duration.ofMinutes(90));
    assertThat(Durations.parse("250ms")).contains(java.time.Duration.ofMillis(250));
    assertThat(Durations.parse("90")).isEmpty();
    assertThat(Durations.parse("5x")).isEmpty();
  }
}
