package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.testkit.ConsoleLogin;
import dev.meridian.testkit.TestSlice;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sign-up, confirmation, login and members through the public API of the running stack; the
 * confirmation and invitation e-mails arrive at the stack's SMTP server.
 */
@ExtendWith(LocalStackExtension.class)
class SignUpE2E {

  private static final String PASSWORD = "plum orbit lantern 42";

  private static String linkTo(String email) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> LocalStackExtension.stack().mailbox().latestLinkTo(email).orElse(null),
        link -> link != null);
  }

  private static String token(String link) {
    return link.substring(link.indexOf("token=") + "token=".length());
  }

  /** Signs up org {@code org} owned by {@code email} and confirms it by the mailed link. */
  static void signUpAndConfirm(MeridianClient anonymous, String org, String email) {
    var pending = anonymous.post("/api/v1/signup", Map.of("orgName", "Org " + org, "orgSlug", org, "email", email, "password", PASSWORD));
    assertThat(pending.status()).as(pending.body().toString()).isEqualTo(202);
    assertThat(pending.body().get("status").asString()).isEqualTo("PENDING_CONFIRMATION");
    var confirmed = anonymous.post("/api/v1/signup/confirm", Map.of("token", token(linkTo(email))));
    assertThat(confirmed.status()).as(confirmed.body().toString()).isEqualTo(200);
  }

  @Test
  void aNewOrgSignsUpConfirmsLogsInCreatesAKeyAndLaunchesWithIt() {
    LocalStack stack = LocalStackExtension.stack();
    MeridianClient anonymous = new MeridianClient(stack.gatewayUrl());
    String org = TestSlice.newOrg();
    String email = "founder@" + org + ".test";

    signUpAndConfirm(anonymous, org, email);
    MeridianClient owner = anonymous.withToken(new ConsoleLogin(stack.gatewayUrl()).accessToken(email, PASSWORD));
    assertThat(owner.get("/api/v1/orgs/" + org).body().get("name").asString()).isEqualTo("Org " + org);
    MeridianClient ci = owner.as(LocalStack.apiKey(owner, org, "member"));
    assertThat(owner.post("/api/v1/orgs/" + org + "/projects", Map.of("id", "proj", "name", "Proj")).status()).isEqualTo(201);
    String scope = "/api/v1/orgs/" + org + "/projects/proj/domains/development";
    Examples.register(ci, scope);

    var launched = ci.post(scope + "/executions", Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 1)));
    assertThat(launched.status()).as(launched.body().toString()).isEqualTo(201);
  }

  @Test
  void aReplayedConfirmationLinkIsRefusedAndBadSignUpsSayWhatIsWrongWhere() {
    MeridianClient anonymous = new MeridianClient(LocalStackExtension.stack().gatewayUrl());
    String org = TestSlice.newOrg();
    String email = "owner@" + org + ".test";
    signUpAndConfirm(anonymous, org, email);

    var replayed = anonymous.post("/api/v1/signup/confirm", Map.of("token", token(linkTo(email))));
    assertThat(replayed.status()).isEqualTo(409);
    assertThat(replayed.body().get("detail").asString()).contains("already used");

    var bad = anonymous.post("/api/v1/signup", Map.of("orgName", "Copy", "orgSlug", org, "email", "copy@example", "password", "hunter2"));
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(bad.body().get("errors").valueStream().map(e -> e.get("pointer").asString() + " " + e.get("message").asString()))
        .anySatisfy(e -> assertThat(e).startsWith("/email 'copy@example' is not an e-mail address"))
        .anySatisfy(e -> assertThat(e).startsWith("/password use at least 10 characters"));
    var taken = anonymous.post("/api/v1/signup", Map.of("orgName", "Copy", "orgSlug", org, "email", "copy@" + org + ".test", "password", PASSWORD));
    assertThat(taken.body().get("errors").get(0).get("message").asString()).isEqualTo("'" + org + "' is taken; choose another");
    var weak = anonymous.post("/api/v1/signup", Map.of("orgName", "Weak", "orgSlug", TestSlice.newOrg(), "email", "weak@" + org + ".test",
        "password", "password1234"));
    assertThat(weak.body().get("errors").get(0).get("pointer").asString()).isEqualTo("/password");
    assertThat(weak.body().get("errors").get(0).get("message").asString()).startsWith("this password is too easy to guess");
  }

  @Test
  void anInviteeJoinsWithTheirRoleTheLastOwnerStaysAndADemotionTakesEffectWithinAMinute() {
    LocalStack stack = LocalStackExtension.stack();
    MeridianClient anonymous = new MeridianClient(stack.gatewayUrl());
    String org = TestSlice.newOrg();
    String ownerEmail = "owner@" + org + ".test";
    signUpAndConfirm(anonymous, org, ownerEmail);
    MeridianClient owner = anonymous.withToken(new ConsoleLogin(stack.gatewayUrl()).accessToken(ownerEmail, PASSWORD));
    String members = "/api/v1/orgs/" + org + "/members";

    var invited = owner.post(members, Map.of("email", "admin@" + org + ".test", "role", "admin"));
    assertThat(invited.status()).as(invited.body().toString()).isEqualTo(201);
    var joined = anonymous.post("/api/v1/invitations/accept", Map.of("token", token(linkTo("admin@" + org + ".test")),
        "password", "an admin's own long passphrase"));
    assertThat(joined.status()).as(joined.body().toString()).isEqualTo(200);
    MeridianClient admin = anonymous.withToken(new ConsoleLogin(stack.gatewayUrl()).accessToken("admin@" + org + ".test",
        "an admin's own long passphrase"));
    String ownerId = owner.get(members).body().get("items").valueStream()
        .filter(m -> m.get("email").asString().equals(ownerEmail)).findFirst().orElseThrow().get("userId").asString();

    assertThat(admin.patch(members + "/" + ownerId, Map.of("role", "viewer")).status()).as("an admin may not demote an owner").isEqualTo(403);
    var demoted = owner.patch(members + "/" + ownerId, Map.of("role", "admin"));
    assertThat(demoted.status()).isEqualTo(409);
    assertThat(demoted.body().get("detail").asString()).contains("last owner");
    assertThat(owner.delete(members + "/" + ownerId).status()).isEqualTo(409);
    var listed = admin.get(members).body().get("items");
    assertThat(listed.valueStream().map(m -> m.get("email").asString() + "=" + m.get("role").asString()))
        .containsExactlyInAnyOrder(ownerEmail + "=owner", "admin@" + org + ".test=admin");

    String adminId = listed.valueStream().filter(m -> m.get("role").asString().equals("admin")).findFirst().orElseThrow().get("userId").asString();
    assertThat(owner.patch(members + "/" + adminId, Map.of("role", "viewer")).status()).isEqualTo(200);
    Instant demotedBy = Instant.now();
    // A token issued in the same whole second as the change counts as older (iat has no fractions),
    // so the re-login below must fall in a later second to be honoured.
    await().atMost(Duration.ofSeconds(60)).until(() -> admin.get(members).status() == 401
        && Instant.now().getEpochSecond() > demotedBy.getEpochSecond());
    MeridianClient viewer = anonymous.withToken(new ConsoleLogin(stack.gatewayUrl()).accessToken("admin@" + org + ".test",
        "an admin's own long passphrase"));
    assertThat(viewer.get(members).status()).as("signed in again, the demoted admin is a viewer").isEqualTo(403);
    assertThat(viewer.get("/api/v1/orgs/" + org).status()).isEqualTo(200);
  }

  @Test
  void repeatedWrongPasswordsForOneAccountAreThrottled() {
    LocalStack stack = LocalStackExtension.stack();
    String org = TestSlice.newOrg();
    String email = "target@" + org + ".test";
    signUpAndConfirm(new MeridianClient(stack.gatewayUrl()), org, email);
    ConsoleLogin attacker = new ConsoleLogin(stack.gatewayUrl());

    for (int attempt = 0; attempt < 10; attempt++) {
      assertThat(attacker.submit(email, "guess-" + attempt).headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("?error"));
    }
    var throttled = attacker.submit(email, PASSWORD);
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    assertThat(new ConsoleLogin(stack.gatewayUrl()).submit("someone-else@" + org + ".test", "x").statusCode())
        .as("other accounts are not affected").isEqualTo(302);
  }
}
