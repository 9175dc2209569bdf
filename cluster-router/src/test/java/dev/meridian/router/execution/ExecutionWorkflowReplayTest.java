package dev.meridian.router.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every recorded history must replay on the current workflow code, or running executions break on
 * deploy. The histories cover the engine's branches: the diamond, a lost attempt, retries spent,
 * terminate while running and while queued for quota, an admission wait and a map. When the
 * workflow's commands change on purpose (behind Workflow.getVersion), record new ones (run
 * ExecutionWorkflowTest with -Dmeridian.recordHistories=true after bumping its
 * CURRENT_HISTORY_VERSION) and keep the old ones.
 */
class ExecutionWorkflowReplayTest {

  static List<Path> histories() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/histories"))) {
      List<Path> all = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      assertThat(all).hasSizeGreaterThanOrEqualTo(ExecutionWorkflowTest.CURRENT_HISTORY_VERSION);
      return all;
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void replaysOnTheCurrentWorkflowCode(Path history) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(Files.readString(history), ExecutionWorkflowImpl.class);
  }
}
