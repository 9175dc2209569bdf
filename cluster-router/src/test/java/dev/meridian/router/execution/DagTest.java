package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DagTest {

  private static final Plan DIAMOND = ExecutionWorkflowTest.DIAMOND;

  @Test
  void startsOnlyNodesWithoutUpstreamAtFirstAndAtMostTheSlots() {
    Dag dag = new Dag(DIAMOND, List.of(), List.of());

    assertThat(dag.start(10)).extracting(Plan.Node::id).containsExactly("top");
    assertThat(dag.start(10)).as("a started node is not started twice").isEmpty();
  }

  @Test
  void aNodeBecomesReadyWhenItsLastUpstreamNodeSucceedsInPlanOrder() {
    Dag dag = new Dag(DIAMOND, List.of(), List.of());
    dag.start(10);

    dag.succeeded("top");
    assertThat(dag.start(1)).extracting(Plan.Node::id).containsExactly("left");
    assertThat(dag.start(1)).extracting(Plan.Node::id).containsExactly("right");
    dag.succeeded("left");
    assertThat(dag.start(10)).isEmpty();
    dag.succeeded("right");
    assertThat(dag.start(10)).extracting(Plan.Node::id).containsExactly("bottom");
    dag.succeeded("bottom");
    assertThat(dag.allSucceeded()).isTrue();
  }

  @Test
  void aCarriedOverDagResumesWhereItsPredecessorStopped() {
    Dag dag = new Dag(DIAMOND, Set.of("top", "left"), Set.of("top", "left", "right"));

    assertThat(dag.start(10)).isEmpty();
    assertThat(dag.notStarted()).containsExactly("bottom");
    assertThat(dag.hasWaitingReaders("left")).as("bottom still reads left's outputs").isTrue();
    assertThat(dag.hasWaitingReaders("top")).isFalse();
    dag.succeeded("right");
    assertThat(dag.start(10)).extracting(Plan.Node::id).containsExactly("bottom");
  }

  @Test
  void aHundredThousandNodeFanOutStartsEveryNodeOnce() {
    int width = 100_000;
    List<Plan.Node> nodes = new java.util.ArrayList<>();
    for (int i = 0; i < width; i++) {
      nodes.add(new Plan.Node("n" + i, DIAMOND.nodes().getFirst().task(), Map.of()));
    }
    Plan wide = new Plan("acme", "p", "development", "x2", nodes, Map.of(), 0, "{}", Map.of(), 0);
    Dag dag = new Dag(wide, List.of(), List.of());

    int started = 0;
    while (started < width) {
      for (Plan.Node node : dag.start(1_000)) {
        dag.succeeded(node.id());
        started++;
      }
    }
    assertThat(dag.allSucceeded()).isTrue();
  }
}
