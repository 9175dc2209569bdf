package dev.meridian.devstack;

import dev.meridian.testkit.ChildProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One Meridian service of the local stack in its own JVM, which can be killed and started again. */
public final class ServiceProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path jar;
  private final List<String> jvm;
  private final List<String> args;
  private final Map<String, String> secrets;
  private final Path log;
  private final Integer healthPort;
  private ChildProcess process;

  /** @param secrets environment variables of the process (relaxed Spring names): secrets never go on its command line */
  ServiceProcess(String name, Path jar, List<String> jvm, List<String> args, Map<String, String> secrets, Path log, Integer healthPort) {
    this.name = name;
    this.jar = jar;
    this.jvm = List.copyOf(jvm);
    this.args = List.copyOf(args);
    this.secrets = Map.copyOf(secrets);
    this.log = log;
    this.healthPort = healthPort;
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public synchronized ServiceProcess start() {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build first with ./mvnw -DskipTests package");
    }
    process = ChildProcess.java(name, jar.toString(), jvm, "org.springframework.boot.loader.launch.JarLauncher", args, log, secrets);
    return this;
  }

  /** Waits until the service's actuator says UP; fails with the end of its log if it died. */
  public void awaitHealthy(Duration timeout) {
    if (healthPort == null) {
      return;
    }
    Instant deadline = Instant.now().plus(timeout);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/actuator/health"))
        .timeout(Duration.ofSeconds(2)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited during start-up; last lines of " + log + ":\n" + process.tail(40));
      }
      try {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(name + " was not healthy within " + timeout + "; last lines of " + log + ":\n" + process.tail(40));
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The running process's id (for jcmd in benchmarks). */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException(name + " is not running");
    }
    return process.pid();
  }

  /**
   * SIGSTOP: the process keeps its sockets open but answers nothing, as a process stuck in a long
   * pause or on a frozen machine does; {@link #thaw()} lets it go on where it stopped.
   */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + this.name + " exited with " + kill.exitValue());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL: a crash, no clean-up. */
  public synchronized void kill() {
    if (process != null) {
      process.kill();
    }
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.close();
    }
  }
}
