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

  /**
   * The test server keeps every history it ever saw in memory: 512 MiB serve the tests and a day of
   * local use, not a 100,000-item map (its heap filled at ~16,000 items and it spent its time in full
   * GCs). Benchmarks raise it with {@code -Dmeridian.temporal.heap=3g}.
   */
  static final String HEAP = System.getProperty("meridian.temporal.heap", "512m");

  /** Serves mutual TLS with the certificate {@code ca} issues to "temporal"; clients need one of {@code ca}'s. */
  public static TemporalServer start(int port, Path logDir, DeploymentCa ca) {
    DeploymentCa.Identity identity = ca.identity("temporal");
    ChildProcess process = ChildProcess.java("temporal", ChildClasspath.get(),
        List.of("-Xmx" + HEAP, "-XX:+UseSerialGC"), TemporalTestServerMain.class.getName(),
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
