package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process we started, with its output in a log file. Child JVMs started through
 * {@link #java} die with their parent (see {@link ParentWatchdog}), so a crashed test JVM
 * or a killed local stack never leaves servers behind.
 */
public final class ChildProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static ChildProcess start(String name, List<String> command, Path log, Map<String, String> environment, Path workDir) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      if (workDir != null) {
        builder.directory(workDir.toFile());
      }
      builder.environment().putAll(environment);
      return new ChildProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /**
   * Starts {@code mainClass} in a new JVM on {@code classpath}, dying with this JVM. A Spring Boot
   * executable jar runs with its jar as classpath and {@code org.springframework.boot.loader.launch.JarLauncher}.
   */
  public static ChildProcess java(String name, String classpath, List<String> jvmOptions, String mainClass,
      List<String> args, Path log) {
    return java(name, classpath, jvmOptions, mainClass, args, log, Map.of());
  }

  /** The same, with {@code environment} added: where secrets go, never on the command line, which every local user can read. */
  public static ChildProcess java(String name, String classpath, List<String> jvmOptions, String mainClass,
      List<String> args, Path log, Map<String, String> environment) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(ChildClasspath.self() + java.io.File.pathSeparator + classpath);
    command.add(ParentWatchdog.class.getName());
    command.add(Long.toString(ProcessHandle.current().pid()));
    command.add(mainClass);
    command.addAll(args);
    return start(name, command, log, environment, null);
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int waitFor(long seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " did not finish within " + seconds + " s; see " + log);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The last lines of the log, for error messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGKILL, no chance to clean up: what a crash looks like. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitQuietly(10);
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitQuietly(20)) {
      kill();
    }
  }

  private boolean waitQuietly(long seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
