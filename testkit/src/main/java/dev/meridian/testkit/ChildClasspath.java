package dev.meridian.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The classpath of the infrastructure's child JVMs: testkit's runtime dependencies, resolved by the build. */
final class ChildClasspath {

  private ChildClasspath() {}

  static String get() {
    try (InputStream in = ChildClasspath.class.getResourceAsStream("child-jvm.classpath")) {
      if (in == null) {
        throw new IllegalStateException("child-jvm.classpath missing from testkit: build testkit with Maven");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where testkit's own classes are (a jar or a classes directory): every child JVM needs its watchdog. */
  static String self() {
    try {
      return Path.of(ChildClasspath.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
