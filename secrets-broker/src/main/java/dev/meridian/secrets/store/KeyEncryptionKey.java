package dev.meridian.secrets.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.SecretKey;

/**
 * The key that wraps each org's data key in the embedded store. It never touches PostgreSQL: it is
 * a {@code 0600} file (made on first start under {@code .meridian/}) or a key handed in by the
 * deployment, base64 of 32 random bytes. Its {@link #id()} is stored beside every wrapped key, so
 * starting with another key fails with that said, instead of with unreadable secrets.
 */
public final class KeyEncryptionKey {

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final SecretKey key;
  private final String id;

  private KeyEncryptionKey(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("the key encryption key must be 32 bytes (AES-256), not " + raw.length);
    }
    this.key = Envelope.key(raw);
    try {
      this.id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** A key given as base64, e.g. from a KMS-backed secret of the deployment. */
  public static KeyEncryptionKey ofBase64(String base64) {
    return new KeyEncryptionKey(Base64.getDecoder().decode(base64.strip()));
  }

  /** The key in {@code file}, made there ({@code 0600}) the first time; a file others may read is refused. */
  public static KeyEncryptionKey inFile(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(file, Base64.getEncoder().encodeToString(Envelope.newKey().getEncoded()), StandardCharsets.US_ASCII);
      } catch (FileAlreadyExistsException kept) {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(permissions)) {
          throw new IllegalStateException("the key encryption key " + file + " is readable by others ("
              + PosixFilePermissions.toString(permissions) + "); make it 0600");
        }
      }
      return ofBase64(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or make the key encryption key " + file, e);
    }
  }

  String id() {
    return id;
  }

  SecretKey key() {
    return key;
  }
}
