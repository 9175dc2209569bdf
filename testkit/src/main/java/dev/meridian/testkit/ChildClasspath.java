package dev.meridian.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The classpath of the child JVMs: testkit itself plus its runtime dependencies, resolved by the build. */
final class ChildClasspath {

  private ChildClasspath() {}

  static String get() {
    try (InputStream in = ChildClasspath.class.getResourceAsStream("child-jvm.classpath")) {
      if (in == null) {
        throw new IllegalStateException("child-jvm.classpath missing from testkit: build testkit with Maven");
      }
      String dependencies = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      Path self = Path.of(ChildClasspath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return self + java.io.File.pathSeparator + dependencies;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
