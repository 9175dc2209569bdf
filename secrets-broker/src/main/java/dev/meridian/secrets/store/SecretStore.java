package dev.meridian.secrets.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where secret values are kept: HashiCorp Vault's KV version 2 engine in production, PostgreSQL
 * with envelope encryption on a single box. Versions count from 1 per path; destroying a secret
 * removes every version, and writing it again starts at 1 (as deleting KV v2 metadata does).
 * Values leave a store only through {@link #read}, which only the broker's grant redemption calls.
 */
public interface SecretStore {

  /** What a write did. */
  sealed interface Written {
    record Stored(int version) implements Written {}

    /** A check-and-set write found another current version (0: the secret does not exist). */
    record VersionMismatch(int currentVersion) implements Written {}
  }

  /** What is known about a secret without its value. {@code liveVersions}: neither deleted nor destroyed. */
  record SecretInfo(SecretPath path, int currentVersion, List<Integer> liveVersions, Instant createdAt, Instant updatedAt) {
    public SecretInfo {
      liveVersions = List.copyOf(liveVersions);
    }
  }

  /** Writes a new version; with {@code expectedVersion}, only if that is the current one (0: none yet). */
  Written write(SecretPath path, String value, OptionalInt expectedVersion);

  /** The current version's value; empty if there is none or it was deleted. */
  Optional<String> read(SecretPath path);

  /** That version's value; empty if it never existed, was deleted or destroyed. */
  Optional<String> read(SecretPath path, int version);

  /** Every secret of the org, in every scope, ordered by path. */
  List<SecretInfo> list(String org);

  /** Soft-deletes the current version (it stops being readable); false if there was nothing to delete. */
  boolean delete(SecretPath path);

  /** Removes every version and what is known about the secret, for good; false if it did not exist. */
  boolean destroy(SecretPath path);
}
