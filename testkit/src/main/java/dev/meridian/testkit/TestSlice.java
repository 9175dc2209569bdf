package dev.meridian.testkit;

import java.util.concurrent.ThreadLocalRandom;

/** Names that give each test its own slice of the shared infrastructure: a fresh org. */
public final class TestSlice {

  private TestSlice() {}

  /** A fresh, valid org slug, e.g. {@code org-k3x9q2}. */
  public static String newOrg() {
    return "org-" + suffix();
  }

  private static String suffix() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      suffix.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return suffix.toString();
  }
}
