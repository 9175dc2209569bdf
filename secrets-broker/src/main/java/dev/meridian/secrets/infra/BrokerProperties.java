package dev.meridian.secrets.infra;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code meridian.secrets.*}. {@code store}: {@code embedded} (PostgreSQL, envelope encryption; the
 * key encryption key in {@code kekFile}, made {@code 0600} on first start, or given as
 * {@code MERIDIAN_SECRETS_KEK} in base64) or {@code vault} (HashiCorp Vault, KV version 2).
 */
@ConfigurationProperties("meridian.secrets")
public record BrokerProperties(@DefaultValue("embedded") String store, @DefaultValue(".meridian/secrets.kek") Path kekFile, String kek,
    Vault vault, @DefaultValue("5m") Duration grantTtl) {

  /** {@code token}, or {@code roleId} and {@code secretId} for AppRole; the KV v2 {@code mount} and the {@code prefix} under it. */
  public record Vault(String address, String token, String roleId, String secretId, @DefaultValue("secret") String mount,
      @DefaultValue("meridian") String prefix) {}
}
