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

  /** The value turned by {@code mapping}; a refusal stays the same refusal. */
  default <U> Outcome<U> map(java.util.function.Function<T, U> mapping) {
    return switch (this) {
      case Done<T> done -> new Done<>(mapping.apply(done.value()), done.created());
      case Refused<T> refused -> new Refused<>(refused.refusal());
    };
  }
}
