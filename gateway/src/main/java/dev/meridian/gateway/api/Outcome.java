package dev.meridian.gateway.api;

/** What a use case returns: a value, or a {@link Refusal} the caller must map. */
public sealed interface Outcome<T> {

  record Done<T>(T value, boolean created) implements Outcome<T> {}

  record Refused<T>(Refusal refusal) implements Outcome<T> {}

  static <T> Outcome<T> created(T value) {
    return new Done<>(value, true);
  }

  static <T> Outcome<T> existing(T value) {
    return new Done<>(value, false);
  }

  static <T> Outcome<T> refused(Refusal refusal) {
    return new Refused<>(refusal);
  }
}
