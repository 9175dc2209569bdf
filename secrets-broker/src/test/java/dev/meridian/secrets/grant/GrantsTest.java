package dev.meridian.secrets.grant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.grant.Grants.Issued;
import dev.meridian.secrets.grant.Grants.Reason;
import dev.meridian.secrets.grant.Grants.Redemption;
import dev.meridian.secrets.store.EmbeddedSecretStore;
import dev.meridian.secrets.store.KeyEncryptionKey;
import dev.meridian.secrets.store.SecretPath;
import dev.meridian.testkit.MigratedDatabase;
import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.SecretMount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Grants on the broker's real schema and the embedded store, with a clock the test moves. */
class GrantsTest {

  private static final JdbcClient JDBC = JdbcClient.create(MigratedDatabase.shared("secrets"));
  private static final EmbeddedSecretStore STORE = new EmbeddedSecretStore(JDBC,
      KeyEncryptionKey.ofBase64(Base64.getEncoder().encodeToString(new byte[32])));

  private Instant now = Instant.parse("2026-12-03T10:00:00Z");
  private final Clock clock = new Clock() {
    @Override public Instant instant() { return now; }
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
  };
  private final SecretAudit audit = new SecretAudit(JDBC, clock);
  private final Grants grants = new Grants(JDBC, STORE, audit, clock, Duration.ofMinutes(5));
  private final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);

  private static final SecretMount HUB_TOKEN = new SecretMount("hub-token", SecretMount.Delivery.ENV, "HF_TOKEN", null);
  private static final SecretMount DB = new SecretMount("db", SecretMount.Delivery.FILE, null, null);

  private Grants.Attempt attempt(String cluster) {
    return new Grants.Attempt(org, "vision", "production", new AttemptId("e1", "train", 1), cluster);
  }

  private String granted(Grants.Attempt attempt, List<SecretMount> secrets) {
    Issued issued = grants.issue(attempt, secrets, "router");
    assertThat(issued).isInstanceOf(Issued.Granted.class);
    return ((Issued.Granted) issued).grantId();
  }

  @Test
  void aGrantIsRedeemedOnceByItsClusterWithTheMostSpecificValueOfEachSecret() {
    STORE.write(SecretPath.ofOrg(org, "hub-token"), "org-wide token", OptionalInt.empty());
    STORE.write(new SecretPath(org, "vision", "production", "hub-token"), "production token", OptionalInt.empty());
    STORE.write(new SecretPath(org, "vision", null, "db"), "project db password", OptionalInt.empty());
    String grant = granted(attempt("c1"), List.of(HUB_TOKEN, DB));

    Redemption first = grants.redeem(grant, "c1");
    Redemption second = grants.redeem(grant, "c1");

    assertThat(first).isInstanceOfSatisfying(Redemption.Redeemed.class, redeemed -> assertThat(redeemed.secrets())
        .containsExactly(new Grants.Delivered(HUB_TOKEN, "production token"), new Grants.Delivered(DB, "project db password")));
    assertThat(second).isInstanceOfSatisfying(Redemption.Refused.class, refused -> assertThat(refused.reason()).isEqualTo(Reason.ALREADY_REDEEMED));
    assertThat(audit.recent(org, 10)).extracting(entry -> entry.action() + " " + entry.outcome() + " " + entry.attempt())
        .containsExactly("redeem refused e1/train/1", "redeem redeemed e1/train/1", "grant granted e1/train/1");
  }

  @Test
  void ofTenConcurrentRedemptionsExactlyOneGetsTheSecrets() throws Exception {
    STORE.write(SecretPath.ofOrg(org, "db"), "password", OptionalInt.empty());
    String grant = granted(attempt("c1"), List.of(DB));

    List<Redemption> redemptions;
    try (var threads = java.util.concurrent.Executors.newFixedThreadPool(10)) {
      var gate = new java.util.concurrent.CountDownLatch(1);
      var futures = java.util.stream.IntStream.range(0, 10).mapToObj(i -> threads.submit(() -> {
        gate.await();
        return grants.redeem(grant, "c1");
      })).toList();
      gate.countDown();
      redemptions = new java.util.ArrayList<>();
      for (var future : futures) {
        redemptions.add(future.get());
      }
    }

    assertThat(redemptions).filteredOn(Redemption.Redeemed.class::isInstance).hasSize(1);
    assertThat(redemptions).filteredOn(Redemption.Refused.class::isInstance).hasSize(9);
  }

  @Test
  void anotherClusterAnExpiredGrantAndAnUnknownIdAreRefusedAndTheGrantStaysUsableByItsCluster() {
    STORE.write(SecretPath.ofOrg(org, "db"), "password", OptionalInt.empty());
    String grant = granted(attempt("c1"), List.of(DB));

    assertThat(grants.redeem(grant, "c2")).isEqualTo(new Redemption.Refused(Reason.OTHER_CLUSTER, "the grant is for another cluster's attempt"));
    assertThat(grants.redeem("made-up", "c1")).isEqualTo(new Redemption.Refused(Reason.UNKNOWN, "no such grant"));
    assertThat(grants.redeem(grant, "c1")).isInstanceOf(Redemption.Redeemed.class);

    String late = granted(attempt("c1"), List.of(DB));
    now = now.plus(Duration.ofMinutes(5));
    assertThat(grants.redeem(late, "c1")).isInstanceOfSatisfying(Redemption.Refused.class,
        refused -> assertThat(refused.reason()).isEqualTo(Reason.EXPIRED));
  }

  @Test
  void aSecretMissingInTheScopeIsNamedAndAnotherOrgsSecretIsNeverSeen() {
    STORE.write(SecretPath.ofOrg("other-" + org, "db"), "someone else's", OptionalInt.empty());

    assertThat(grants.missing(org, "vision", "production", List.of("db", "hub-token"))).containsExactly("db", "hub-token");
    assertThat(grants.issue(attempt("c1"), List.of(DB), "router")).isEqualTo(new Issued.Missing(List.of("db")));
  }

  @Test
  void aSecretDeletedAfterTheGrantIsRefusedAtRedemption() {
    STORE.write(SecretPath.ofOrg(org, "db"), "password", OptionalInt.empty());
    String grant = granted(attempt("c1"), List.of(DB));
    STORE.destroy(SecretPath.ofOrg(org, "db"));

    assertThat(grants.redeem(grant, "c1")).isInstanceOfSatisfying(Redemption.Refused.class,
        refused -> assertThat(refused.reason()).isEqualTo(Reason.SECRET_GONE));
  }

  @Test
  void theDatabaseKeepsOnlyTheGrantsHash() {
    STORE.write(SecretPath.ofOrg(org, "db"), "password", OptionalInt.empty());
    String grant = granted(attempt("c1"), List.of(DB));

    assertThat(JDBC.sql("select count(*) from grants where id_hash = decode(:id, 'escape')").param("id", grant).query(Integer.class).single())
        .isZero();
    assertThat(JDBC.sql("select count(*) from grants where org_id = :org").param("org", org).query(Integer.class).single()).isOne();
  }
}
