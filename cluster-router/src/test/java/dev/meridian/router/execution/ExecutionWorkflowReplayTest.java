package dev.meridian.router.execution;

import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Old histories must replay on the current workflow code, or running executions break on deploy.
 * Record a new history (run ExecutionWorkflowTest with -Dmeridian.recordHistories=true) whenever
 * the workflow changes on purpose, and keep the old ones.
 */
class ExecutionWorkflowReplayTest {

  @Test
  void replaysTheDiamondHistoryOfVersion1() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(Files.readString(Path.of("src/test/resources/histories/diamond-v1.json")),
        ExecutionWorkflowImpl.class);
  }
}
