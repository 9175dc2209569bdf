package dev.meridian.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.gateway.api.Json;
import dev.meridian.workflow.Limits;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WorkflowCompilerTest {

  private static final Map<String, JsonNode> TASKS = Map.of(
      "inc", Json.read("""
          {"name":"inc","version":"1","interface":{"inputs":{"x":{"type":"integer"}},"outputs":{"y":{"type":"integer"}}},
           "container":{"image":"busybox","command":["true"]}}"""),
      "add", Json.read("""
          {"name":"add","version":"1","interface":{"inputs":{"a":{"type":"integer"},"b":{"type":"integer"}},"outputs":{"sum":{"type":"integer"}}},
           "container":{"image":"busybox","command":["true"]}}"""),
      "greet", Json.read("""
          {"name":"greet","version":"1","interface":{"inputs":{"who":{"type":"string"},"loud":{"type":"optional","of":{"type":"boolean"}}},
           "outputs":{}},"container":{"image":"busybox","command":["true"]}}"""));

  private static Optional<TaskDefinition> lookup(String name, String version) {
    return Optional.ofNullable(TASKS.get(name)).filter(t -> version.equals("1")).map(t -> TaskDefinition.parse(t, new ArrayList<>()));
  }

  private static final String DIAMOND = """
      {"name":"d","version":"1","interface":{"inputs":{"n":{"type":"integer"}},"outputs":{"total":{"type":"integer"}}},
       "nodes":[
         {"id":"top","task":{"name":"inc","version":"1"},"inputs":{"x":{"fromInput":"n"}}},
         {"id":"left","task":{"name":"inc","version":"1"},"inputs":{"x":{"fromNode":"top","output":"y"}}},
         {"id":"right","task":{"name":"inc","version":"1"},"inputs":{"x":{"value":5}}},
         {"id":"bottom","task":{"name":"add","version":"1"},"inputs":{"a":{"fromNode":"left","output":"y"},"b":{"fromNode":"right","output":"y"}}}],
       "outputs":{"total":{"fromNode":"bottom","output":"sum"}}}""";

  private static List<Violation> violations(String workflow) {
    List<Violation> violations = new ArrayList<>();
    WorkflowCompiler.compile(Json.read(workflow), WorkflowCompilerTest::lookup, violations);
    return violations;
  }

  @Test
  void compilesADiamondIntoItsDataDependencyEdges() {
    List<Violation> violations = new ArrayList<>();

    var compiled = WorkflowCompiler.compile(Json.read(DIAMOND), WorkflowCompilerTest::lookup, violations);

    assertThat(violations).isEmpty();
    assertThat(compiled).get().satisfies(c -> assertThat(c.edges()).containsExactlyInAnyOrder(
        new WorkflowCompiler.Edge("top", "left"), new WorkflowCompiler.Edge("left", "bottom"),
        new WorkflowCompiler.Edge("right", "bottom")));
  }

  @Test
  void refusesMoreConcurrentNodesThanAnExecutionMayRunAtTheField() {
    String wide = DIAMOND.replace("\"name\":\"d\",", "\"name\":\"d\",\"maxParallelism\":" + (Limits.MAX_CONCURRENT_NODES + 1) + ",");

    assertThat(violations(wide)).containsExactly(new Violation("/maxParallelism", "maxParallelism must be an integer from 1 to 1000"));
  }

  @Test
  void rejectsUnknownTaskReferenceAtTheNode() {
    assertThat(violations(DIAMOND.replace("\"name\":\"add\"", "\"name\":\"sum\"")))
        .extracting(Violation::pointer).contains("/nodes/3/task");
  }

  @Test
  void rejectsTypeMismatchOfALiteralAndOfAWorkflowInput() {
    assertThat(violations(DIAMOND.replace("{\"value\":5}", "{\"value\":\"five\"}")))
        .extracting(Violation::pointer).containsExactly("/nodes/2/inputs/x/value");
    String greeting = """
        {"name":"g","version":"1","interface":{"inputs":{"n":{"type":"integer"}}},
         "nodes":[{"id":"hi","task":{"name":"greet","version":"1"},"inputs":{"who":{"fromInput":"n"}}}]}""";
    assertThat(violations(greeting)).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/nodes/0/inputs/who/fromInput");
      assertThat(v.message()).contains("integer", "string");
    });
  }

  @Test
  void requiresEveryNonOptionalInputAndEveryDeclaredOutputToBeBound() {
    String unbound = DIAMOND.replace(",\"b\":{\"fromNode\":\"right\",\"output\":\"y\"}", "")
        .replace("\"outputs\":{\"total\":{\"fromNode\":\"bottom\",\"output\":\"sum\"}}", "\"outputs\":{}");

    assertThat(violations(unbound)).extracting(Violation::pointer).containsExactlyInAnyOrder("/nodes/3/inputs/b", "/outputs/total");
  }

  @Test
  void optionalInputsMayStayUnbound() {
    String greeting = """
        {"name":"g","version":"1","interface":{"inputs":{"who":{"type":"string"}}},
         "nodes":[{"id":"hi","task":{"name":"greet","version":"1"},"inputs":{"who":{"fromInput":"who"}}}]}""";

    assertThat(violations(greeting)).isEmpty();
  }

  @Test
  void rejectsACycleNamingItsNodes() {
    String cyclic = DIAMOND.replace("{\"x\":{\"fromInput\":\"n\"}}", "{\"x\":{\"fromNode\":\"left\",\"output\":\"y\"}}");

    assertThat(violations(cyclic)).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/nodes/0");
      assertThat(v.message()).contains("cycle", "top -> left -> top");
    });
  }

  @Test
  void rejectsDuplicateIdsSelfReferencesAndUnknownOutputs() {
    String broken = DIAMOND.replace("\"id\":\"right\"", "\"id\":\"left\"")
        .replace("{\"a\":{\"fromNode\":\"left\",\"output\":\"y\"}", "{\"a\":{\"fromNode\":\"left\",\"output\":\"z\"}");

    assertThat(violations(broken)).extracting(Violation::pointer).contains("/nodes/2/id", "/nodes/3/inputs/a/output");
  }

  @Test
  void findsNoCycleInADag() {
    assertThat(WorkflowCompiler.findCycle(Map.of("a", Set.of("b", "c"), "b", Set.of("c"), "c", Set.of()))).isEmpty();
  }

  @Test
  void findsACycleAtTheEndOfAVeryLongChainWithoutOverflowingTheStack() {
    Map<String, Set<String>> upstream = new java.util.LinkedHashMap<>();
    int length = 200_000;
    for (int i = 0; i < length; i++) {
      upstream.put("n" + i, Set.of("n" + (i + 1)));
    }
    upstream.put("n" + length, Set.of());
    assertThat(WorkflowCompiler.findCycle(upstream)).isEmpty();

    upstream.put("n" + length, Set.of("n" + (length - 2)));
    assertThat(WorkflowCompiler.findCycle(upstream)).hasValueSatisfying(cycle ->
        assertThat(cycle).containsExactly("n" + (length - 2), "n" + (length - 1), "n" + length, "n" + (length - 2)));
  }

  // ---- map nodes ----

  /** {@code sq} maps inc over the input xs; {@code total} adds two items of its outputs... through a node taking the collection. */
  private static final String MAP = """
      {"name":"m","version":"1",
       "interface":{"inputs":{"xs":{"type":"collection","of":{"type":"integer"}}},"outputs":{"ys":{"type":"collection","of":{"type":"integer"}}}},
       "nodes":[{"id":"sq","map":{"task":{"name":"inc","version":"1"},"input":"x","concurrency":10},"inputs":{"x":{"fromInput":"xs"}}}],
       "outputs":{"ys":{"fromNode":"sq","output":"y"}}}""";

  @Test
  void compilesAMapNodeWhoseInputIsACollectionOfTheTasksAndWhoseOutputsAreCollectionsOfItsOutputs() {
    List<Violation> violations = new ArrayList<>();

    var compiled = WorkflowCompiler.compile(Json.read(MAP), WorkflowCompilerTest::lookup, violations);

    assertThat(violations).isEmpty();
    assertThat(compiled).get().satisfies(c -> assertThat(c.nodes().getFirst().map())
        .isEqualTo(new dev.meridian.workflow.MapTask("x", 10, 1.0)));
  }

  @Test
  void aMapWithARatioBelowOneOutputsCollectionsOfOptionals() {
    String partial = MAP.replace("\"concurrency\":10", "\"minSuccessRatio\":0.9");

    assertThat(violations(partial)).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/outputs/ys/output");
      assertThat(v.message()).contains("collection<optional<integer>> but collection<integer> is expected");
    });
    assertThat(violations(partial.replace("\"ys\":{\"type\":\"collection\",\"of\":{\"type\":\"integer\"}}",
        "\"ys\":{\"type\":\"collection\",\"of\":{\"type\":\"optional\",\"of\":{\"type\":\"integer\"}}}"))).isEmpty();
  }

  @Test
  void refusesAMapOverSomethingThatIsNotACollectionOfTheTasksInputAtTheBinding() {
    String scalar = MAP.replace("\"xs\":{\"type\":\"collection\",\"of\":{\"type\":\"integer\"}}", "\"xs\":{\"type\":\"integer\"}");

    assertThat(violations(scalar)).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/nodes/0/inputs/x/fromInput");
      assertThat(v.message()).contains("is integer but collection<integer> is expected");
    });
  }

  @Test
  void refusesAMapsBadSettingsEachAtItsField() {
    String bad = MAP.replace("\"input\":\"x\",\"concurrency\":10", "\"input\":\"z\",\"concurrency\":5000,\"minSuccessRatio\":1.5");

    assertThat(violations(bad)).extracting(Violation::pointer)
        .contains("/nodes/0/map/concurrency", "/nodes/0/map/minSuccessRatio", "/nodes/0/map/input");
    assertThat(violations(MAP.replace("\"map\":{", "\"task\":{\"name\":\"inc\",\"version\":\"1\"},\"map\":{")))
        .extracting(Violation::message).contains("a node has either task or map, not both");
  }

  @Test
  void refusesALiteralCollectionOfMoreItemsThanAMapRunsOver() {
    String items = "[" + "1,".repeat(Limits.MAX_MAP_ITEMS) + "1]";
    String literal = MAP.replace("{\"fromInput\":\"xs\"}", "{\"value\":" + items + "}");

    assertThat(violations(literal)).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/nodes/0/inputs/x/value");
      assertThat(v.message()).isEqualTo("a map node runs over at most 100000 items, this collection has 100001");
    });
  }
}
