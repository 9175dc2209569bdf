package dev.meridian.secrets.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.secrets.store.SecretStore.Written;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SecretStore} does, whichever system keeps the values. Each adapter's test
 * extends this; each test works in an org of its own.
 */
abstract class SecretStoreContract {

  protected abstract SecretStore store();

  private final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);

  private SecretPath path(String name) {
    return SecretPath.ofOrg(org, name);
  }

  @Test
  void aWrittenValueReadsBackAndEachWriteIsANewVersion() {
    assertThat(store().write(path("db-password"), "hunter2", OptionalInt.empty())).isEqualTo(new Written.Stored(1));
    assertThat(store().write(path("db-password"), "correct horse", OptionalInt.empty())).isEqualTo(new Written.Stored(2));

    assertThat(store().read(path("db-password"))).contains("correct horse");
    assertThat(store().read(path("db-password"), 1)).contains("hunter2");
    assertThat(store().read(path("db-password"), 3)).isEmpty();
    assertThat(store().read(path("never-written"))).isEmpty();
  }

  @Test
  void checkAndSetWritesOnlyOnTopOfTheExpectedVersion() {
    assertThat(store().write(path("token"), "a", OptionalInt.of(0))).isEqualTo(new Written.Stored(1));
    assertThat(store().write(path("token"), "b", OptionalInt.of(0))).isEqualTo(new Written.VersionMismatch(1));
    assertThat(store().write(path("token"), "b", OptionalInt.of(1))).isEqualTo(new Written.Stored(2));

    assertThat(store().read(path("token"))).contains("b");
  }

  @Test
  void scopesAreSeparateSecretsAndAListingShowsEveryScopeOfTheOrgOnly() {
    SecretPath orgWide = path("hub-token");
    SecretPath project = new SecretPath(org, "vision", null, "hub-token");
    SecretPath domain = new SecretPath(org, "vision", "production", "hub-token");
    store().write(orgWide, "org value", OptionalInt.empty());
    store().write(project, "project value", OptionalInt.empty());
    store().write(project, "project value 2", OptionalInt.empty());
    store().write(domain, "domain value", OptionalInt.empty());
    store().write(SecretPath.ofOrg("other-" + org, "hub-token"), "someone else's", OptionalInt.empty());

    assertThat(store().read(orgWide)).contains("org value");
    assertThat(store().read(domain)).contains("domain value");
    assertThat(store().list(org)).extracting(info -> info.path().toString() + " v" + info.currentVersion() + " " + info.liveVersions())
        .containsExactly(org + "/hub-token v1 [1]", org + "/vision/hub-token v2 [1, 2]", org + "/vision/production/hub-token v1 [1]");
    assertThat(store().list(org)).allSatisfy(info -> assertThat(info.updatedAt()).isAfterOrEqualTo(info.createdAt()));
  }

  @Test
  void deletingHidesTheCurrentVersionAndTheNextWriteGoesOnTop() {
    store().write(path("key"), "one", OptionalInt.empty());
    store().write(path("key"), "two", OptionalInt.empty());

    assertThat(store().delete(path("key"))).isTrue();
    assertThat(store().delete(path("key"))).as("already deleted").isFalse();
    assertThat(store().read(path("key"))).isEmpty();
    assertThat(store().read(path("key"), 1)).contains("one");
    assertThat(store().list(org)).singleElement().satisfies(info -> {
      assertThat(info.currentVersion()).isEqualTo(2);
      assertThat(info.liveVersions()).containsExactly(1);
    });

    assertThat(store().write(path("key"), "three", OptionalInt.empty())).isEqualTo(new Written.Stored(3));
    assertThat(store().read(path("key"))).contains("three");
    assertThat(store().delete(path("missing"))).isFalse();
  }

  @Test
  void destroyingRemovesEveryVersionForGoodAndANewSecretOfThatNameStartsAgain() {
    store().write(path("old"), "one", OptionalInt.empty());
    store().write(path("old"), "two", OptionalInt.empty());

    assertThat(store().destroy(path("old"))).isTrue();
    assertThat(store().destroy(path("old"))).isFalse();
    assertThat(store().read(path("old"), 1)).isEmpty();
    assertThat(store().list(org)).isEmpty();
    assertThat(store().write(path("old"), "new", OptionalInt.of(0))).isEqualTo(new Written.Stored(1));
  }

  @Test
  void valuesKeepEveryCharacter() {
    String awkward = "line one\nline \"two\" with ünïcödé, tabs\tand emoji \uD83D\uDD11 and a trailing space ";
    store().write(path("awkward"), awkward, OptionalInt.empty());

    assertThat(store().read(path("awkward"))).contains(awkward);
  }
}
