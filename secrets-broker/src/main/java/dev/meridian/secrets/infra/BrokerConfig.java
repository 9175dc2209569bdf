package dev.meridian.secrets.infra;

import dev.meridian.identity.ServiceCallers;
import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.secrets.v1.SecretGrantsGrpc;
import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.grant.Grants;
import dev.meridian.secrets.secret.Secrets;
import dev.meridian.secrets.store.EmbeddedSecretStore;
import dev.meridian.secrets.store.KeyEncryptionKey;
import dev.meridian.secrets.store.SecretStore;
import dev.meridian.secrets.store.VaultSecretStore;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ServerInterceptor;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The broker's parts, and who may call it: over mutual TLS with the deployment CA
 * (application.yaml), {@code Secrets} answers the gateway only and {@code SecretGrants} the
 * cluster-router only.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServiceTls.class)
class BrokerConfig {

  @Bean
  @GlobalServerInterceptor
  @Order(0)
  ServerInterceptor internalCallers() {
    return ServiceCallers.only(Set.of("gateway"), Map.of(SecretGrantsGrpc.SERVICE_NAME, Set.of("cluster-router")));
  }

  @Bean
  @GlobalServerInterceptor
  @Order(1)
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  SecretStore secretStore(BrokerProperties properties, JdbcClient jdbc, Clock clock) {
    return switch (properties.store()) {
      case "embedded" -> new EmbeddedSecretStore(jdbc, properties.kek() == null || properties.kek().isBlank()
          ? KeyEncryptionKey.inFile(properties.kekFile()) : KeyEncryptionKey.ofBase64(properties.kek()));
      case "vault" -> {
        BrokerProperties.Vault vault = properties.vault();
        if (vault == null || vault.address() == null) {
          throw new IllegalStateException("meridian.secrets.store=vault needs meridian.secrets.vault.address");
        }
        yield new VaultSecretStore(new VaultSecretStore.Settings(vault.address(), vault.token(), vault.roleId(), vault.secretId(),
            vault.mount(), vault.prefix()), clock);
      }
      default -> throw new IllegalStateException("meridian.secrets.store is 'embedded' or 'vault', not '" + properties.store() + "'");
    };
  }

  @Bean
  SecretAudit secretAudit(JdbcClient jdbc, Clock clock) {
    return new SecretAudit(jdbc, clock);
  }

  @Bean
  Secrets secrets(SecretStore store, SecretAudit audit) {
    return new Secrets(store, audit);
  }

  @Bean
  Grants grants(JdbcClient jdbc, SecretStore store, SecretAudit audit, Clock clock, BrokerProperties properties) {
    return new Grants(jdbc, store, audit, clock, properties.grantTtl());
  }
}
