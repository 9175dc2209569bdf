package dev.meridian.secrets.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.testkit.VaultEmulator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The contract against the Vault HTTP API emulator, driven only through vault-java-driver. */
class VaultSecretStoreTest extends SecretStoreContract {

  private static final MovableClock CLOCK = new MovableClock();
  private static final VaultEmulator VAULT = VaultEmulator.start(CLOCK);
  private static final VaultSecretStore STORE = new VaultSecretStore(
      new VaultSecretStore.Settings(VAULT.address(), VAULT.rootToken(), null, null, "secret", "meridian"), Clock.systemUTC());

  @AfterAll
  static void stop() {
    VAULT.close();
  }

  @Override
  protected SecretStore store() {
    return STORE;
  }

  @Test
  void anAppRoleBrokerRenewsItsTokenBeforeItExpiresAndKeepsWorking() {
    VAULT.addAppRole("broker-role", "broker-secret");
    var store = new VaultSecretStore(new VaultSecretStore.Settings(VAULT.address(), null, "broker-role", "broker-secret", null, null), CLOCK);
    store.write(SecretPath.ofOrg("renewing", "a"), "before", OptionalInt.empty());

    // Past two thirds of the hour the token lives, then past the hour from login: only a renewed token still works.
    CLOCK.advance(Duration.ofMinutes(45));
    store.write(SecretPath.ofOrg("renewing", "a"), "after renewal", OptionalInt.empty());
    CLOCK.advance(Duration.ofMinutes(30));

    assertThat(store.read(SecretPath.ofOrg("renewing", "a"))).contains("after renewal");
  }

  @Test
  void aWrongTokenOrAppRoleIsRefusedWithVaultsAnswer() {
    assertThatThrownBy(() -> new VaultSecretStore(new VaultSecretStore.Settings(VAULT.address(), "not-a-token", null, null, null, null),
        Clock.systemUTC())).isInstanceOf(SecretStoreException.class);
    assertThatThrownBy(() -> new VaultSecretStore(new VaultSecretStore.Settings(VAULT.address(), null, "nobody", "wrong", null, null),
        Clock.systemUTC())).hasMessageContaining("AppRole login").hasMessageContaining("invalid role or secret ID");
  }

  @Test
  void aMountThatIsNotKeyValueVersionTwoIsNamedAtStart() {
    assertThatThrownBy(() -> new VaultSecretStore(new VaultSecretStore.Settings(VAULT.address(), VAULT.rootToken(), null, null,
        "kv", null), Clock.systemUTC())).hasMessageContaining("mount kv/ is not there").hasMessageContaining("kv-v2");
  }

  /** A clock the test moves forward. */
  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-12-03T00:00:00Z");

    synchronized void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
