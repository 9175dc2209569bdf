package dev.meridian.secrets.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.testkit.MigratedDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

class EmbeddedSecretStoreTest extends SecretStoreContract {

  private static final JdbcClient JDBC = JdbcClient.create(MigratedDatabase.shared("secrets"));
  private static final KeyEncryptionKey KEK = KeyEncryptionKey.ofBase64(Base64.getEncoder().encodeToString(new byte[32]));

  private final EmbeddedSecretStore store = new EmbeddedSecretStore(JDBC, KEK);

  @Override
  protected SecretStore store() {
    return store;
  }

  @Test
  void theDatabaseHoldsNoValueAndNoUsableKey() {
    String value = "a-value-that-must-not-be-stored-in-the-clear";
    store.write(SecretPath.ofOrg("plain-scan", "token"), value, OptionalInt.empty());

    List<byte[]> stored = JDBC.sql("select ciphertext from secret_versions where org_id = 'plain-scan'").query((rs, row) -> rs.getBytes(1)).list();
    List<byte[]> keys = JDBC.sql("select wrapped_key from org_keys where org_id = 'plain-scan'").query((rs, row) -> rs.getBytes(1)).list();

    assertThat(stored).singleElement().satisfies(bytes -> assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain(value));
    assertThat(keys).singleElement().satisfies(wrapped -> assertThat(wrapped).hasSize(12 + 32 + 16));
  }

  @Test
  void aCiphertextMovedOntoAnotherSecretDoesNotOpen() {
    store.write(SecretPath.ofOrg("moved", "a"), "value of a", OptionalInt.empty());
    store.write(SecretPath.ofOrg("moved", "b"), "value of b", OptionalInt.empty());
    JDBC.sql("update secret_versions set ciphertext = (select ciphertext from secret_versions where org_id = 'moved' and name = 'a')"
        + " where org_id = 'moved' and name = 'b'").update();

    assertThatThrownBy(() -> store.read(SecretPath.ofOrg("moved", "b"))).hasMessageContaining("does not open");
  }

  @Test
  void anotherKeyEncryptionKeyIsRefusedByName() {
    store.write(SecretPath.ofOrg("rekeyed", "a"), "value", OptionalInt.empty());
    byte[] other = new byte[32];
    other[0] = 1;
    var withOtherKey = new EmbeddedSecretStore(JDBC, KeyEncryptionKey.ofBase64(Base64.getEncoder().encodeToString(other)));

    assertThatThrownBy(() -> withOtherKey.read(SecretPath.ofOrg("rekeyed", "a")))
        .hasMessageContaining("was wrapped by key encryption key " + KEK.id());
  }

  @Test
  void theKeyFileIsMadeOwnerOnlyAndAFileOthersCanReadIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(".meridian/secrets.kek");
    KeyEncryptionKey made = KeyEncryptionKey.inFile(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(KeyEncryptionKey.inFile(file).id()).isEqualTo(made.id());

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> KeyEncryptionKey.inFile(file)).hasMessageContaining("readable by others");
  }
}
