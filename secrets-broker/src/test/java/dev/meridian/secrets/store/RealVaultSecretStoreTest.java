package dev.meridian.secrets.store;

import java.time.Clock;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The contract against a real Vault: set {@code VAULT_ADDR} and {@code VAULT_TOKEN} (a token that
 * may write under {@code secret/meridian-test/}, on a KV version 2 engine mounted at {@code secret/}).
 * Skipped otherwise; no Vault server can run on the build machines.
 */
@EnabledIfEnvironmentVariable(named = "VAULT_ADDR", matches = ".+")
class RealVaultSecretStoreTest extends SecretStoreContract {

  private final VaultSecretStore store = new VaultSecretStore(new VaultSecretStore.Settings(System.getenv("VAULT_ADDR"),
      System.getenv("VAULT_TOKEN"), null, null, "secret", "meridian-test"), Clock.systemUTC());

  @Override
  protected SecretStore store() {
    return store;
  }
}
