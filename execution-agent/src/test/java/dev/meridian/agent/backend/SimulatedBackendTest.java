package dev.meridian.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Task;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulatedBackendTest {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final RecordingReporter reporter = new RecordingReporter();
  private final SimulatedBackend backend = new SimulatedBackend(reporter, scheduler, Duration.ofMillis(10), 0, 0);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static Assignment attempt(String id, String inputsJson) {
    return Assignment.newBuilder().setAttemptId(id).setInputsJson(inputsJson)
        .setTask(Task.newBuilder().putEnv(SimulatedBackend.FAIL_WHEN_INPUT, "fail")
            .setInterfaceJson("{\"inputs\":{\"fail\":{\"type\":\"boolean\"}},\"outputs\":{\"n\":{\"type\":\"integer\"}}}"))
        .build();
  }

  @Test
  void anAttemptFailsWhenTheInputItsTaskNamesIsTrueAndSucceedsOtherwise() {
    backend.start(attempt("a", "{\"fail\":true}"));
    await().until(() -> reporter.all.size() == 3);
    assertThat(reporter.last().phase()).isEqualTo("FAILED");
    assertThat(reporter.last().detail()).isEqualTo("simulated failure");

    backend.start(attempt("b", "{\"fail\":false}"));
    await().until(() -> reporter.all.size() == 6);
    assertThat(reporter.last().phase()).isEqualTo("SUCCEEDED");
    assertThat(reporter.last().detail()).isEqualTo("{\"n\":1}");
  }
}
