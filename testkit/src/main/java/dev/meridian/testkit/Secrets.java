package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** Secret files of the local stack and the tests: readable by their owner only ({@code 0600}). */
public final class Secrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** Writes {@code content} to a new {@code 0600} file (replacing one that was there). */
  public static Path write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, content);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the secret file " + file, e);
    }
  }

  /** The random secret kept in {@code file}, made the first time. */
  public static synchronized String keep(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim();
      }
      byte[] bytes = new byte[24];
      RANDOM.nextBytes(bytes);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      write(file, secret);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secret file " + file, e);
    }
  }
}
