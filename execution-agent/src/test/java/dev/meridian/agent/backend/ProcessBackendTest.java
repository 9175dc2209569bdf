package dev.meridian.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Task;
import dev.meridian.workflow.SecretMount;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessBackendTest {

  @TempDir Path workDir;

  private final RecordingReporter reports = new RecordingReporter();

  private static Assignment shell(String script, String interfaceJson, String inputsJson, long timeoutSeconds) {
    return Assignment.newBuilder()
        .setAttemptId("x1/n1/1").setOrg("acme").setExecutionId("x1").setNodeId("n1").setAttempt(1)
        .setInputsJson(inputsJson)
        .setTask(Task.newBuilder().setName("t").setVersion("1").addCommand("sh").addCommand("-c").addCommand(script)
            .setInterfaceJson(interfaceJson).setTimeout(Duration.newBuilder().setSeconds(timeoutSeconds)))
        .build();
  }

  private static final String SUM = """
      {"inputs":{"a":{"type":"integer"},"b":{"type":"integer"}},"outputs":{"sum":{"type":"integer"}}}""";

  @Test
  void runsTheCommandWithInputsInTheEnvironmentAndReadsItsOutputs() {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("echo \"{\\\"sum\\\": $((MERIDIAN_INPUT_A + MERIDIAN_INPUT_B))}\" > \"$MERIDIAN_OUTPUTS\"", SUM, "{\"a\":2,\"b\":40}", 0));

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.all).extracting(RecordingReporter.Report::phase).containsExactly("INITIALIZING", "RUNNING", "SUCCEEDED");
    assertThat(reports.last().detail()).isEqualTo("{\"sum\":42}");
    assertThat(backend.running()).isEmpty();
  }

  @Test
  void secretsArriveAsEnvAndAs0400FilesWhichAreRemovedWhenTheAttemptEnds() throws Exception {
    var backend = new ProcessBackend(workDir, reports);
    var secrets = new AttemptSecrets(List.of(
        new AttemptSecrets.Value(new SecretMount("token", SecretMount.Delivery.ENV, "TOKEN", null), "env-value"),
        new AttemptSecrets.Value(new SecretMount("key", SecretMount.Delivery.FILE, null, null), "file-value")));

    backend.start(shell("test \"$TOKEN\" = env-value && test \"$(cat \"$MERIDIAN_SECRETS_DIR/key\")\" = file-value"
        + " && test \"$(stat -c %a \"$MERIDIAN_SECRETS_DIR/key\")\" = 400 && echo '{\"sum\": 1}' > \"$MERIDIAN_OUTPUTS\"",
        SUM, "{\"a\":1,\"b\":2}", 0), secrets);

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).as(reports.last().toString()).isEqualTo("SUCCEEDED");
    assertThat(workDir.resolve("acme/x1/n1/1/secrets")).doesNotExist();
  }

  @Test
  void secretValuesAreMaskedInTheReportedLogTail() {
    var backend = new ProcessBackend(workDir, reports);
    var secrets = new AttemptSecrets(List.of(
        new AttemptSecrets.Value(new SecretMount("token", SecretMount.Delivery.ENV, "TOKEN", null), "hunter2")));

    backend.start(shell("echo \"using $TOKEN\"; exit 1", SUM, "{\"a\":1,\"b\":2}", 0), secrets);

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().logTail()).containsExactly("using ****");
    assertThat(secrets.toString()).doesNotContain("hunter2");
  }

  @Test
  void reportsTheExitCodeAndTheLastLinesOfTheLogOnFailure() {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("echo preparing; echo 'bad input: x' >&2; exit 3", SUM, "{\"a\":1,\"b\":2}", 0));

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().exitCode()).isEqualTo(3);
    assertThat(reports.last().logTail()).containsExactly("preparing", "bad input: x");
  }

  @Test
  void failsAnAttemptWhoseOutputsDoNotMatchTheInterface() {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("echo '{\"sum\": \"many\"}' > \"$MERIDIAN_OUTPUTS\"", SUM, "{\"a\":1,\"b\":2}", 0));

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().detail()).contains("/sum: expected integer but got string \"many\"");
  }

  @Test
  void killsAnAttemptThatOutlivesItsTimeout() {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("sleep 30", SUM, "{\"a\":1,\"b\":2}", 1));

    await().atMost(java.time.Duration.ofSeconds(10)).until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().detail()).isEqualTo("timed out after 1 s");
  }

  @Test
  void cancelStopsTheProcessAndEndsTheAttemptAborted() {
    var backend = new ProcessBackend(workDir, reports);
    backend.start(shell("sleep 30", SUM, "{}", 0));
    await().until(() -> backend.running().contains("x1/n1/1"));

    backend.cancel("x1/n1/1", "terminated by user");

    await().atMost(java.time.Duration.ofSeconds(5)).until(() -> reports.all.size() == 3);
    assertThat(reports.last()).isEqualTo(new RecordingReporter.Report("ABORTED", null, "terminated by user", List.of()));
  }

  @Test
  void aRestartedAgentKillsTheProcessesItsPreviousLifeLeftRunning() {
    var previousLife = new ProcessBackend(workDir, reports);
    previousLife.start(shell("sleep 30; echo woke", SUM, "{}", 0));
    await().until(() -> previousLife.running().contains("x1/n1/1"));
    long orphans = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("sleep 30; echo woke")).count();
    assertThat(orphans).isPositive();

    new ProcessBackend(workDir, new RecordingReporter()).killOrphans();

    await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
        ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 30; echo woke")));
  }

  @Test
  void aTaskWritingAMultiGigabyteLogIsStoppedAtTheLimitAndFailsWithAClearReason() {
    var backend = new ProcessBackend(workDir, reports, 8 * 1024 * 1024);

    backend.start(shell("head -c 5000000000 /dev/zero | tr '\\0' 'x'", SUM, "{\"a\":1,\"b\":2}", 0));

    await().atMost(java.time.Duration.ofSeconds(30)).until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().detail()).contains("log grew past 8388608 bytes");
    assertThat(reports.last().logTail()).singleElement().satisfies(line -> assertThat(line).hasSizeLessThan(1_100));
    assertThat(backend.running()).isEmpty();
  }

  @Test
  void aTaskWritingTwoMegabytesOfOutputsFailsWithAClearReason() {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("printf '{\"sum\": 1, \"pad\": \"' > \"$MERIDIAN_OUTPUTS\"; head -c 2000000 /dev/zero | tr '\\0' 'x' >> \"$MERIDIAN_OUTPUTS\"; "
        + "printf '\"}' >> \"$MERIDIAN_OUTPUTS\"", SUM, "{\"a\":1,\"b\":2}", 0));

    await().atMost(java.time.Duration.ofSeconds(30)).until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().detail()).contains("over the limit of 1048576", "blob URI");
  }

  @Test
  void aTaskSeesNoneOfTheAgentsEnvironmentAndOnlyItsOwnDirectory() throws Exception {
    var backend = new ProcessBackend(workDir, reports);

    backend.start(shell("env | cut -d= -f1 | sort | tr '\\n' ' ' > names; printf '{\"sum\": 1}' > \"$MERIDIAN_OUTPUTS\"", SUM,
        "{\"a\":1,\"b\":2}", 0));

    await().until(() -> reports.all.size() == 3);
    Path attemptDir = workDir.resolve("acme").resolve("x1").resolve("n1").resolve("1");
    assertThat(java.nio.file.Files.readString(attemptDir.resolve("names")).trim().split(" "))
        .allSatisfy(name -> assertThat(name).matches("MERIDIAN_.*|PATH|LANG|LC_ALL|TZ|HOME|TMPDIR|PWD|SHLVL|_"));
    assertThat(java.nio.file.Files.getPosixFilePermissions(attemptDir)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
        java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    for (Path parent : List.of(workDir.resolve("acme"), workDir.resolve("acme").resolve("x1"))) {
      assertThat(java.nio.file.Files.getPosixFilePermissions(parent)).as("nobody else lists or changes " + parent).doesNotContain(
          java.nio.file.attribute.PosixFilePermission.GROUP_READ, java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
          java.nio.file.attribute.PosixFilePermission.OTHERS_READ, java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }
  }

  @Test
  void outputsThatAreALinkAreNotFollowed() throws Exception {
    Path secret = java.nio.file.Files.writeString(workDir.resolve("agent-secret.json"), "{\"sum\": 7}");
    var backend = new ProcessBackend(workDir.resolve("work"), reports);

    backend.start(shell("ln -s " + secret + " \"$MERIDIAN_OUTPUTS\"", SUM, "{\"a\":1,\"b\":2}", 0));

    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).isEqualTo("FAILED");
    assertThat(reports.last().detail()).contains("must be a regular file");
  }

  @Test
  void asRootEachOrgsTasksRunAsAUserOfTheirOwnThatCannotReadTheAgentsFilesOrAnotherOrgs() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Integer.valueOf(0).equals(java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
        && java.nio.file.Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root and setpriv");
    Path base = java.nio.file.Files.createTempDirectory("isolation");
    java.nio.file.Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Path secret = java.nio.file.Files.writeString(base.resolve("operator.json"), "{\"clientSecret\": \"s3cret\"}");
    java.nio.file.Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path work = base.resolve("agent");
    var backend = new ProcessBackend(work, reports);
    Path acmeDir = work.resolve("acme").resolve("x1").resolve("n1").resolve("1");

    backend.start(shell("id -u > uid; echo private > mine; mkdir ../2 > planted 2>&1; echo logged; cat " + secret + " > leaked 2>&1; tr '\\0' ' ' > environ 2>&1 < /proc/1/environ; "
        + "printf '{\"sum\": 1}' > \"$MERIDIAN_OUTPUTS\"", SUM, "{\"a\":1,\"b\":2}", 0));
    await().until(() -> reports.all.size() == 3);
    assertThat(reports.last().phase()).as(reports.last().toString()).isEqualTo("SUCCEEDED");
    backend.start(shell("cat " + acmeDir.resolve("mine") + " > stolen 2>&1; printf '{\"sum\": 1}' > \"$MERIDIAN_OUTPUTS\"", SUM,
        "{\"a\":1,\"b\":2}", 0).toBuilder().setOrg("globex").setAttemptId("x2/n1/1").setExecutionId("x2").build());
    await().until(() -> reports.all.size() == 6);

    assertThat(java.nio.file.Files.readString(acmeDir.resolve("uid")).trim()).isEqualTo(Integer.toString(TaskIsolation.uidOf("acme")));
    assertThat(java.nio.file.Files.readString(acmeDir.resolve("leaked"))).contains("Permission denied").doesNotContain("s3cret");
    assertThat(java.nio.file.Files.readString(acmeDir.resolve("environ"))).contains("Permission denied");
    assertThat(java.nio.file.Files.readString(acmeDir.resolve("planted"))).as("a task cannot prepare the next attempt's directory")
        .contains("Permission denied");
    assertThat(java.nio.file.Files.readString(acmeDir.resolve("task.log"))).as("the task's user writes its own log").contains("logged");
    assertThat(java.nio.file.Files.readString(work.resolve("globex").resolve("x2").resolve("n1").resolve("1").resolve("stolen")))
        .contains("Permission denied").doesNotContain("private");
  }
}
