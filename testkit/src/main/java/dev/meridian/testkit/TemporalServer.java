package dev.meridian.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Temporal's Java test server in its own JVM, so killing a Meridian service never kills Temporal. */
public final class TemporalServer implements AutoCloseable {

  private final int port;
  private final ChildProcess process;

  private TemporalServer(int port, ChildProcess process) {
    this.port = port;
    this.process = process;
  }

  /** Serves mutual TLS with the certificate {@code ca} issues to "temporal"; clients need one of {@code ca}'s. */
  public static TemporalServer start(int port, Path logDir, DeploymentCa ca) {
    DeploymentCa.Identity identity = ca.identity("temporal");
    ChildProcess process = ChildProcess.java("temporal", ChildClasspath.get(),
        List.of("-Xmx512m", "-XX:+UseSerialGC"), TemporalTestServerMain.class.getName(),
        List.of(Integer.toString(port), identity.certificate().toString(), identity.privateKey().toString(), identity.ca().toString()),
        logDir.resolve("temporal.log"));
    Ports.awaitOpen(port, Duration.ofSeconds(60), process);
    return new TemporalServer(port, process);
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    process.close();
  }
}
