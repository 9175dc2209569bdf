package dev.meridian.agent.backend;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.workflow.SecretMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.io.InputStream;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs each attempt as a local process: the task's command and args, in a working directory of its
 * own, with the run-time contract of ARCHITECTURE.md §3 ({@code MERIDIAN_INPUTS}, {@code
 * MERIDIAN_INPUT_<NAME>}, {@code MERIDIAN_OUTPUTS}, ids for logs). stdout and stderr go to {@code
 * task.log} in that directory. The container image is not used by this backend.
 *
 * <p>A task sees nothing of the agent: its environment is built from scratch (never inherited, so
 * the agent's token and credentials stay out), and each attempt's directory is {@code 0700}. The
 * agent never reads a whole file a task wrote: outputs over {@link OutputCheck#MAX_BYTES} fail the
 * attempt, a log over {@code maxLogBytes} kills it, and log tails come from the file's last bytes.
 */
public final class ProcessBackend implements TaskBackend {

  static final int LOG_TAIL_LINES = 20;
  /** Under the work directory, the agent's own: one pid file per running attempt. */
  static final String PIDS = ".pids";
  private static final Logger log = LoggerFactory.getLogger(ProcessBackend.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final java.nio.file.attribute.FileAttribute<?> PRIVATE_DIR =
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  /** What a task's environment starts from (besides its own env and the run-time contract), taken from the agent's. */
  private static final List<String> INHERITED = List.of("PATH", "LANG", "LC_ALL", "TZ");
  static final long DEFAULT_MAX_LOG_BYTES = 1024L * 1024 * 1024;

  private final Path workDir;
  private final AttemptReporter reporter;
  private final long maxLogBytes;
  private final TaskIsolation isolation;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final AtomicBoolean stopping = new AtomicBoolean();

  private record Running(Assignment assignment, Path dir, Process process, AtomicReference<String> cancelledBecause, AttemptSecrets secrets) {}

  public ProcessBackend(Path workDir, AttemptReporter reporter) {
    this(workDir, reporter, DEFAULT_MAX_LOG_BYTES);
  }

  /** @param maxLogBytes an attempt whose log grows past this is killed and failed */
  public ProcessBackend(Path workDir, AttemptReporter reporter, long maxLogBytes) {
    this.maxLogBytes = maxLogBytes;
    this.isolation = TaskIsolation.detect(workDir);
    this.workDir = workDir;
    this.reporter = reporter;
  }

  @Override
  public synchronized void start(Assignment assignment, AttemptSecrets secrets) {
    if (running.containsKey(assignment.getAttemptId())) {
      return;
    }
    Path dir = workDir.resolve(assignment.getOrg()).resolve(assignment.getExecutionId())
        .resolve(assignment.getNodeId()).resolve(Integer.toString(assignment.getAttempt()));
    Path logFile = dir.resolve("task.log");
    String logsUri = logFile.toUri().toString();
    reporter.initializing(assignment);
    List<String> task = new ArrayList<>(assignment.getTask().getCommandList());
    task.addAll(assignment.getTask().getArgsList());
    if (task.isEmpty()) {
      reporter.failed(assignment, null, "the task has no command to run", List.of(), logsUri);
      return;
    }
    List<String> command = isolation.command(assignment.getOrg(), task, logFile);
    Process process;
    try {
      createAttemptDirectory(dir);
      Path inputs = dir.resolve("inputs.json");
      Files.writeString(inputs, assignment.getInputsJson().isBlank() ? "{}" : assignment.getInputsJson(), StandardOpenOption.CREATE_NEW);
      writeSecretFiles(dir.resolve("secrets"), secrets, assignment.getOrg());
      // Everything the agent writes is in place before the task's user gets the directory.
      isolation.give(inputs, assignment.getOrg());
      isolation.give(dir, assignment.getOrg());
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          // Isolated, the task's user opens its own log (TaskIsolation#command): the agent opens nothing in a task's directory.
          .redirectOutput(isolation.enabled() ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Map<String, String> env = builder.environment();
      Map<String, String> agent = Map.copyOf(env);
      env.clear();
      INHERITED.stream().filter(agent::containsKey).forEach(name -> env.put(name, agent.get(name)));
      env.put("HOME", dir.toString());
      env.put("TMPDIR", dir.toString());
      env.putAll(assignment.getTask().getEnvMap());
      env.put("MERIDIAN_INPUTS", inputs.toString());
      env.put("MERIDIAN_OUTPUTS", dir.resolve("outputs.json").toString());
      env.put("MERIDIAN_EXECUTION_ID", assignment.getExecutionId());
      env.put("MERIDIAN_NODE_ID", assignment.getNodeId());
      env.put("MERIDIAN_ATTEMPT", Integer.toString(assignment.getAttempt()));
      env.put("MERIDIAN_SECRETS_DIR", dir.resolve("secrets").toString());
      for (AttemptSecrets.Value secret : secrets.values()) {
        if (secret.mount().delivery() == SecretMount.Delivery.ENV) {
          env.put(secret.mount().envVar(), secret.value());
        }
      }
      JsonNode values = JSON.readTree(Files.readString(inputs));
      for (var input : values.properties()) {
        if (input.getValue().isValueNode() && !input.getValue().isNull()) {
          env.put("MERIDIAN_INPUT_" + input.getKey().toUpperCase(Locale.ROOT), input.getValue().asString());
        }
      }
      process = builder.start();
    } catch (IOException e) {
      reporter.failed(assignment, null, "could not start " + task.getFirst() + ": " + e.getMessage(), List.of(), logsUri);
      return;
    }
    recordPid(assignment, process);
    Running attempt = new Running(assignment, dir, process, new AtomicReference<>(), secrets);
    running.put(assignment.getAttemptId(), attempt);
    reporter.running(assignment, logsUri);
    Thread.ofVirtual().name("attempt-" + assignment.getAttemptId()).start(() -> watch(attempt, logsUri));
  }

  private void watch(Running attempt, String logsUri) {
    Assignment assignment = attempt.assignment();
    long timeout = assignment.getTask().getTimeout().getSeconds();
    long deadline = timeout > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout) : Long.MAX_VALUE;
    try {
      while (!attempt.process().waitFor(500, TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() - deadline > 0) {
          kill(attempt.process());
          reporter().failed(assignment, null, "timed out after " + Duration.ofSeconds(timeout).toSeconds() + " s",
              tail(attempt), logsUri);
          return;
        }
        long logged = logSize(attempt.dir());
        if (logged > maxLogBytes) {
          kill(attempt.process());
          reporter().failed(assignment, null, "the task's log grew past " + maxLogBytes + " bytes (" + logged
              + " written) and the task was stopped; log less, or write large output to your storage", tail(attempt), logsUri);
          return;
        }
      }
      if (attempt.cancelledBecause().get() != null) {
        reporter().aborted(assignment, attempt.cancelledBecause().get(), logsUri);
        return;
      }
      int exitCode = attempt.process().exitValue();
      if (exitCode != 0) {
        reporter().failed(assignment, exitCode, "the task exited with code " + exitCode, tail(attempt), logsUri);
        return;
      }
      readOutputs(attempt, logsUri);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(attempt.process());
    } finally {
      removeSecretFiles(attempt.dir());
      running.remove(assignment.getAttemptId());
      try {
        Files.deleteIfExists(pidFile(assignment));
      } catch (IOException e) {
        log.warn("could not remove the pid file of attempt {}", assignment.getAttemptId());
      }
    }
  }

  private void readOutputs(Running attempt, String logsUri) {
    Assignment assignment = attempt.assignment();
    Path outputsFile = attempt.dir().resolve("outputs.json");
    String outputs;
    try {
      // The task owns its directory: never follow a link it may have put there in place of its
      // outputs, and never read more than the limit (the file may still be growing).
      BasicFileAttributes file = Files.exists(outputsFile, LinkOption.NOFOLLOW_LINKS)
          ? Files.readAttributes(outputsFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS) : null;
      if (file != null && !file.isRegularFile()) {
        reporter().failed(assignment, 0, "$MERIDIAN_OUTPUTS must be a regular file, not a link or a directory", tail(attempt), logsUri);
        return;
      }
      byte[] read = new byte[0];
      if (file != null) {
        try (InputStream in = Files.newInputStream(outputsFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
          read = in.readNBytes(OutputCheck.MAX_BYTES + 1);
        }
      }
      if (read.length > OutputCheck.MAX_BYTES) {
        reporter().failed(assignment, 0, "the outputs in $MERIDIAN_OUTPUTS are over the limit of " + OutputCheck.MAX_BYTES
            + " bytes: pass large data as a blob URI in your storage", tail(attempt), logsUri);
        return;
      }
      outputs = file != null ? new String(read, StandardCharsets.UTF_8) : null;
    } catch (IOException e) {
      reporter().failed(assignment, 0, "could not read $MERIDIAN_OUTPUTS: " + e.getMessage(), tail(attempt), logsUri);
      return;
    }
    switch (OutputCheck.check(assignment.getTask().getInterfaceJson(), outputs)) {
      case OutputCheck.Valid valid -> reporter().succeeded(assignment, valid.outputsJson(), logsUri);
      case OutputCheck.Invalid invalid -> reporter().failed(assignment, 0, invalid.reason(), tail(attempt), logsUri);
    }
  }

  @Override
  public void cancel(String attemptId, String reason) {
    Running attempt = running.get(attemptId);
    if (attempt != null) {
      attempt.cancelledBecause().set(reason == null || reason.isBlank() ? "cancelled" : reason);
      kill(attempt.process());
    }
  }

  /**
   * Kills the processes of attempts that a previous life of this agent started and never saw end
   * (it was killed): the router declares those attempts lost and retries them, so they must not
   * go on running. A pid file names the process and its start time, so a reused pid is left alone.
   */
  public void killOrphans() {
    if (!Files.isDirectory(workDir)) {
      return;
    }
    Path pids = workDir.resolve(PIDS);
    if (!Files.isDirectory(pids)) {
      return;
    }
    try (var files = Files.list(pids)) {
      for (Path pidFile : files.toList()) {
        String[] recorded = Files.readString(pidFile).trim().split(" ");
        ProcessHandle.of(Long.parseLong(recorded[0]))
            .filter(handle -> handle.info().startInstant().map(Object::toString).orElse("").equals(recorded[1]))
            .ifPresent(orphan -> {
              log.warn("killing process {} of an attempt a previous run of this agent left behind ({})", orphan.pid(), pidFile.getParent());
              orphan.descendants().forEach(ProcessHandle::destroyForcibly);
              orphan.destroyForcibly();
            });
        Files.deleteIfExists(pidFile);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("could not clean up processes left behind in {}: {}", workDir, e.toString());
    }
  }

  /**
   * Pid files live apart from the attempts' directories, which their tasks own: a task must not be
   * able to name the process a restarted agent kills.
   */
  private Path pidFile(Assignment assignment) {
    return workDir.resolve(PIDS).resolve(assignment.getAttemptId().replace('/', '_') + ".pid");
  }

  private void recordPid(Assignment assignment, Process process) {
    Path file = pidFile(assignment);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, process.pid() + " " + process.info().startInstant().map(Object::toString).orElse(""));
    } catch (IOException e) {
      log.warn("could not record the pid of attempt {}: {}", assignment.getAttemptId(), e.toString());
    }
  }

  /**
   * Kills every running attempt without reporting it: the router declares them lost and retries
   * them, which is right for an agent that goes away (a drain comes with the many-clusters work).
   */
  @Override
  public void stop() {
    stopping.set(true);
    running.values().forEach(attempt -> kill(attempt.process()));
  }

  @Override
  public Set<String> running() {
    return Set.copyOf(running.keySet());
  }

  /** Stops the process and everything it started: SIGTERM, then SIGKILL after 2 s. */
  private static void kill(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** While the agent stops, attempts end unreported: the router declares them lost and retries them. */
  private AttemptReporter reporter() {
    return stopping.get() ? SILENT : reporter;
  }

  private static final AttemptReporter SILENT = new AttemptReporter() {
    @Override public void initializing(Assignment attempt) {}
    @Override public void running(Assignment attempt, String logsUri) {}
    @Override public void succeeded(Assignment attempt, String outputsJson, String logsUri) {}
    @Override public void failed(Assignment attempt, Integer exitCode, String reason, List<String> logTail, String logsUri) {}
    @Override public void aborted(Assignment attempt, String reason, String logsUri) {}
    @Override public void lost(Assignment attempt, String reason) {}
  };

  static List<String> tail(Path dir) {
    return LogTail.of(dir.resolve("task.log"), LOG_TAIL_LINES);
  }

  /** The log tail the agent reports, with the attempt's secret values masked. */
  private static List<String> tail(Running attempt) {
    return attempt.secrets().mask(tail(attempt.dir()));
  }

  /**
   * Secrets delivered as files: {@code 0400} in the attempt's {@code secrets/} directory (the
   * process backend ignores {@code mountPath}, which would write outside the attempt's directory),
   * removed with it when the attempt ends.
   */
  private void writeSecretFiles(Path secretsDir, AttemptSecrets secrets, String org) throws IOException {
    if (secrets.values().stream().noneMatch(secret -> secret.mount().delivery() == SecretMount.Delivery.FILE)) {
      return;
    }
    Files.createDirectory(secretsDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    for (AttemptSecrets.Value secret : secrets.values()) {
      if (secret.mount().delivery() == SecretMount.Delivery.FILE) {
        Path file = secretsDir.resolve(secret.mount().name());
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret.value());
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
        isolation.give(file, org);
      }
    }
    isolation.give(secretsDir, org);
  }

  private static void removeSecretFiles(Path dir) {
    Path secretsDir = dir.resolve("secrets");
    try (var files = Files.list(secretsDir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(secretsDir);
    } catch (java.nio.file.NoSuchFileException none) {
      // The attempt had no file secrets.
    } catch (IOException e) {
      log.warn("could not remove the secrets of the attempt in {}: {}", dir, e.toString());
    }
  }

  private static long logSize(Path dir) {
    try {
      return Files.readAttributes(dir.resolve("task.log"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Creates the attempt's directory afresh ({@code 0700}; a leftover of an earlier life is removed
   * without following links) and any missing parent below the work directory. Parents stay the
   * agent's ({@link TaskIsolation#parentDirectories()}), so no task can swap a path the agent uses.
   */
  private void createAttemptDirectory(Path dir) throws IOException {
    Files.createDirectories(workDir);
    isolation.prepare(workDir);
    Path current = workDir;
    for (Path part : workDir.relativize(dir.getParent())) {
      current = current.resolve(part);
      if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(current, isolation.parentDirectories());
      }
    }
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try (var leftovers = Files.walk(dir)) {
        for (Path leftover : leftovers.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(leftover);
        }
      }
    }
    Files.createDirectory(dir, PRIVATE_DIR);
  }
}
