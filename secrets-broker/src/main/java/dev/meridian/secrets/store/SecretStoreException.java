package dev.meridian.secrets.store;

/** The store could not do what was asked (unreachable, refused, or answered what it should not); no value is in the message. */
public final class SecretStoreException extends RuntimeException {

  public SecretStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
