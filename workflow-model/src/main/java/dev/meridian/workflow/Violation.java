package dev.meridian.workflow;

import java.util.Objects;

/** Something wrong at one spot of a document: {@code pointer} is an RFC 6901 JSON pointer. */
public record Violation(String pointer, String message) {
  public Violation {
    Objects.requireNonNull(pointer, "pointer");
    Objects.requireNonNull(message, "message");
  }

  static String child(String pointer, String token) {
    return pointer + "/" + token.replace("~", "~0").replace("/", "~1");
  }
}
