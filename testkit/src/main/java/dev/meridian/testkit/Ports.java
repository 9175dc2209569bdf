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

  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
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
