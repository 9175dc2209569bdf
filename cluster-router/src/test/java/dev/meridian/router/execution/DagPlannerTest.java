package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.workflow.Binding;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DagPlannerTest {

  private static Plan.Node node(String id, Map<String, Binding> inputs) {
    return new Plan.Node(id, new Plan.Task("t", "1", "busybox", List.of("true"), List.of(), Map.of(), "{}", 0, 0, null), inputs);
  }

  private static final Plan DIAMOND = new Plan("acme", "p", "development", "x1", List.of(
      node("top", Map.of("x", new Binding.FromInput("n"))),
      node("left", Map.of("x", new Binding.FromNode("top", "y"))),
      node("right", Map.of("x", new Binding.FromNode("top", "y"), "k", new Binding.Literal("7"))),
      node("bottom", Map.of("a", new Binding.FromNode("left", "y"), "b", new Binding.FromNode("right", "y")))),
      Map.of("total", new Binding.FromNode("bottom", "sum")), 0, "{\"n\":1}", Map.of(), 0);

  @Test
  void onlyNodesWithoutUpstreamAreReadyAtFirst() {
    assertThat(DagPlanner.ready(DIAMOND, Set.of(), Set.of(), 10)).extracting(Plan.Node::id).containsExactly("top");
  }

  @Test
  void aNodeIsReadyOnceEveryUpstreamNodeSucceededAndRespectsTheSlots() {
    assertThat(DagPlanner.ready(DIAMOND, Set.of("top"), Set.of("top"), 10)).extracting(Plan.Node::id).containsExactly("left", "right");
    assertThat(DagPlanner.ready(DIAMOND, Set.of("top"), Set.of("top"), 1)).extracting(Plan.Node::id).containsExactly("left");
    assertThat(DagPlanner.ready(DIAMOND, Set.of("top", "left"), Set.of("top", "left", "right"), 10)).isEmpty();
  }

  @Test
  void resolvesInputsFromWorkflowInputsNodeOutputsAndLiterals() {
    assertThat(DagPlanner.resolve(DIAMOND.nodes().get(0).inputs(), DIAMOND.inputsJson(), Map.of())).isEqualTo("{\"x\":1}");
    assertThat(DagPlanner.resolve(DIAMOND.nodes().get(2).inputs(), DIAMOND.inputsJson(), Map.of("top", "{\"y\":2}")))
        .isEqualTo("{\"k\":7,\"x\":2}");
  }
}
