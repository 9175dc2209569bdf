package dev.meridian.secrets.secret;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.secret.Secrets.Written;
import dev.meridian.secrets.store.EmbeddedSecretStore;
import dev.meridian.secrets.store.KeyEncryptionKey;
import dev.meridian.testkit.MigratedDatabase;
import dev.meridian.workflow.Violation;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

class SecretsTest {

  private static final JdbcClient JDBC = JdbcClient.create(MigratedDatabase.shared("secrets"));

  private final SecretAudit audit = new SecretAudit(JDBC, Clock.systemUTC());
  private final Secrets secrets = new Secrets(new EmbeddedSecretStore(JDBC,
      KeyEncryptionKey.ofBase64(Base64.getEncoder().encodeToString(new byte[32]))), audit);
  private final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void writesAreVersionedListedWithoutValuesAndAudited() {
    assertThat(secrets.write("alice", org, null, null, "hub-token", "v1")).isInstanceOf(Written.Stored.class);
    assertThat(secrets.write("alice", org, null, null, "hub-token", "v2"))
        .isInstanceOfSatisfying(Written.Stored.class, stored -> assertThat(stored.version()).isEqualTo(2));

    assertThat(secrets.list(org)).singleElement().satisfies(info -> assertThat(info.currentVersion()).isEqualTo(2));
    assertThat(secrets.delete("bob", new dev.meridian.secrets.store.SecretPath(org, null, null, "hub-token"))).isTrue();
    assertThat(secrets.list(org)).isEmpty();
    assertThat(audit.recent(org, 10)).extracting(entry -> entry.actor() + " " + entry.action() + " " + entry.outcome())
        .containsExactly("bob delete deleted", "alice write stored", "alice write stored");
    assertThat(audit.recent(org, 10)).allSatisfy(entry -> assertThat(entry.toString()).doesNotContain("v1", "v2"));
  }

  @Test
  void badNamesScopesAndValuesAreRefusedWhereTheyAre() {
    Written refused = secrets.write("alice", org, null, "production", "9lives", "x".repeat(Secrets.MAX_VALUE_BYTES + 1));

    assertThat(refused).isInstanceOfSatisfying(Written.Invalid.class, invalid -> assertThat(invalid.violations())
        .extracting(Violation::pointer).containsExactly("/name", "/domain", "/value"));
    assertThat(secrets.write("alice", org, "Vision!", null, "ok", "")).isInstanceOfSatisfying(Written.Invalid.class,
        invalid -> assertThat(invalid.violations()).extracting(Violation::pointer).containsExactly("/project", "/value"));
    assertThat(secrets.list(org)).isEmpty();
  }
}
