package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;

/** Loopback ports: finding free ones and waiting for a server to listen. */
public final class Ports {

  private Ports() {}

  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port nothing listens on, for a server that will bind it a moment later. It comes from below
   * the kernel's ephemeral range: a port the kernel picked (bind to 0) can be taken by any outgoing
   * connection before our server binds it. Never the same port twice in one JVM.
   */
  public static int free() {
    int below = ephemeralLowerBound();
    int lowest = Math.max(1024, below - 12_000);
    for (int tries = 0; tries < 1_000; tries++) {
      int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(lowest, below);
      if (HANDED_OUT.add(port)) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
          socket.setReuseAddress(true);
          return port;
        } catch (IOException taken) {
          // in use by another process: try another
        }
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port between " + lowest + " and " + below));
  }

  private static int ephemeralLowerBound() {
    // Line by line: Files.readString trusts procfs's size hint and returns a truncated value.
    try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      int lower = Integer.parseInt(lines.findFirst().orElse("").trim().split("\\s+")[0]);
      return lower >= 16_384 ? lower : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  public static boolean isOpen(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until something accepts connections on the port, or fails with what {@code whileAlive} says went wrong. */
  public static void awaitOpen(int port, Duration timeout, ChildProcess process) {
    Instant deadline = Instant.now().plus(timeout);
    while (!isOpen(port)) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(process.name() + " exited before listening on " + port + "; see " + process.log());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("nothing listened on 127.0.0.1:" + port + " within " + timeout
            + (process == null ? "" : "; see " + process.log()));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }
}
