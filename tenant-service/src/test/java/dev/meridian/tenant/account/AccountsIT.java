package dev.meridian.tenant.account;

import dev.meridian.proto.FieldViolations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.meridian.proto.tenant.v1.AcceptInvitationRequest;
import dev.meridian.proto.tenant.v1.AccountsGrpc;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc;
import dev.meridian.proto.tenant.v1.CreateApiKeyRequest;
import dev.meridian.proto.tenant.v1.ChangeMemberRoleRequest;
import dev.meridian.proto.tenant.v1.ConfirmSignUpRequest;
import dev.meridian.proto.tenant.v1.InviteMemberRequest;
import dev.meridian.proto.tenant.v1.ListMembersRequest;
import dev.meridian.proto.tenant.v1.Member;
import dev.meridian.proto.tenant.v1.RemoveMemberRequest;
import dev.meridian.proto.tenant.v1.SignUpRequest;
import dev.meridian.tenant.TenantServiceApplication;
import dev.meridian.tenant.InternalApi;
import dev.meridian.testkit.ConsoleLogin;
import dev.meridian.testkit.Infrastructure;
import dev.meridian.testkit.Ports;
import dev.meridian.testkit.TestSlice;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sign-up, confirmation, members and the console's login against the real application, the shared
 * PostgreSQL and a real SMTP server (GreenMail) in this JVM.
 */
class AccountsIT {

  private static final String PASSWORD = "correct horse battery staple";
  private static final Pattern LINK = Pattern.compile("http://\\S+\\?token=([A-Za-z0-9_-]+)");
  private static GreenMail smtp;
  private static ConfigurableApplicationContext service;
  private static ManagedChannel channel;
  private static int httpPort;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(new ServerSetup(Ports.free(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    httpPort = Ports.free();
    int grpcPort = Ports.free();
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
        "--spring.datasource.url=" + Infrastructure.shared().postgres().jdbcUrl() + "?currentSchema=tenant",
        "--spring.datasource.password=" + Infrastructure.shared().postgres().password(),
        "--server.port=" + httpPort, "--spring.grpc.server.port=" + grpcPort,
        "--spring.mail.host=127.0.0.1", "--spring.mail.port=" + smtp.getSmtp().getPort(),
        "--meridian.tenant.identity.issuer=http://127.0.0.1:" + httpPort,
        "--meridian.tenant.accounts.public-url=http://127.0.0.1:" + httpPort));
    args.addAll(InternalApi.serviceIdentity());
    service = new SpringApplicationBuilder(TenantServiceApplication.class).run(args.toArray(String[]::new));
    channel = InternalApi.channelAs("gateway", grpcPort);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    service.close();
    smtp.stop();
  }

  private static AccountsGrpc.AccountsBlockingStub accounts() {
    return AccountsGrpc.newBlockingStub(channel);
  }

  /** The token in the newest e-mail to {@code email}, once it arrives. */
  private static String linkTokenMailedTo(String email) {
    return await().atMost(Duration.ofSeconds(20)).until(() -> Arrays.stream(smtp.getReceivedMessages())
        .filter(message -> recipient(message).equalsIgnoreCase(email))
        .reduce((first, second) -> second)
        .map(message -> {
          Matcher link = LINK.matcher(GreenMailUtil.getBody(message).replace("=\r\n", ""));
          return link.find() ? link.group(1) : null;
        }).orElse(null), token -> token != null);
  }

  private static String recipient(MimeMessage message) {
    try {
      return message.getAllRecipients()[0].toString();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String signUpAndConfirm(String email) {
    String org = TestSlice.newOrg();
    accounts().signUp(SignUpRequest.newBuilder().setOrgName("Org " + org).setOrgSlug(org).setEmail(email).setPassword(PASSWORD).build());
    accounts().confirmSignUp(ConfirmSignUpRequest.newBuilder().setToken(linkTokenMailedTo(email)).build());
    return org;
  }

  @Test
  void aSignUpIsPendingUntilTheMailedLinkConfirmsItAndTheLinkWorksOnce() {
    String org = TestSlice.newOrg();
    String email = org + "@example.com";

    var pending = accounts().signUp(SignUpRequest.newBuilder().setOrgName("Acme " + org).setOrgSlug(org).setEmail(email)
        .setPassword(PASSWORD).build());
    assertThat(pending.getStatus()).isEqualTo("PENDING_CONFIRMATION");
    assertThatThrownBy(() -> accounts().listMembers(ListMembersRequest.newBuilder().setOrg(org).build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));

    String token = linkTokenMailedTo(email);
    assertThat(accounts().confirmSignUp(ConfirmSignUpRequest.newBuilder().setToken(token).build()).getStatus()).isEqualTo("ACTIVE");
    assertThat(InternalApi.actingAs(accounts(), login(email, PASSWORD)).listMembers(ListMembersRequest.newBuilder().setOrg(org).build())
        .getMembersList()).singleElement().satisfies(owner -> assertThat(owner.getRole()).isEqualTo("owner"));

    assertThatThrownBy(() -> accounts().confirmSignUp(ConfirmSignUpRequest.newBuilder().setToken(token).build()))
        .satisfies(e -> {
          assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(Status.fromThrowable(e).getDescription()).contains("already used");
        });
  }

  @Test
  void aSignUpWhileTheMailServerIsDownGetsItsEmailOnceTheServerIsBack() throws Exception {
    int port = smtp.getSmtp().getPort();
    smtp.stop();
    String org = TestSlice.newOrg();
    String email = "patient@" + org + ".test";
    try {
      accounts().signUp(SignUpRequest.newBuilder().setOrgName("Patient").setOrgSlug(org).setEmail(email).setPassword(PASSWORD).build());
      await().atMost(Duration.ofSeconds(20)).until(() -> failedAttempts(email) > 0);
    } finally {
      smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
      smtp.start();
    }

    String token = linkTokenMailedTo(email);
    assertThat(accounts().confirmSignUp(ConfirmSignUpRequest.newBuilder().setToken(token).build()).getStatus()).isEqualTo("ACTIVE");
  }

  private static int failedAttempts(String email) throws Exception {
    try (var db = DriverManager.getConnection(Infrastructure.shared().postgres().jdbcUrl(), "postgres", Infrastructure.shared().postgres().password());
         var query = db.prepareStatement("select coalesce(max(attempts), 0) from tenant.mail_outbox where recipient = ? and sent_at is null")) {
      query.setString(1, email);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  @Test
  void anExpiredConfirmationLinkIsRefusedAndTheSlugCanBeSignedUpForAgain() throws Exception {
    String org = TestSlice.newOrg();
    accounts().signUp(SignUpRequest.newBuilder().setOrgName("Late").setOrgSlug(org).setEmail("late@" + org + ".test").setPassword(PASSWORD).build());
    String token = linkTokenMailedTo("late@" + org + ".test");
    try (var db = DriverManager.getConnection(Infrastructure.shared().postgres().jdbcUrl(), "postgres", Infrastructure.shared().postgres().password());
         var expire = db.prepareStatement("update tenant.email_links set expires_at = now() - interval '1 minute' where token_hash = ?")) {
      expire.setString(1, java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8))));
      assertThat(expire.executeUpdate()).isEqualTo(1);
    }

    assertThatThrownBy(() -> accounts().confirmSignUp(ConfirmSignUpRequest.newBuilder().setToken(token).build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("expired"));
    assertThat(accounts().signUp(SignUpRequest.newBuilder().setOrgName("Someone else").setOrgSlug(org)
        .setEmail("other@" + org + ".test").setPassword(PASSWORD).build()).getStatus()).isEqualTo("PENDING_CONFIRMATION");
  }

  @Test
  void aSignUpExplainsEveryProblemWithItsField() {
    String taken = signUpAndConfirm(TestSlice.newOrg() + "@example.com");

    assertThatThrownBy(() -> accounts().signUp(SignUpRequest.newBuilder().setOrgName("Dup").setOrgSlug(taken).setEmail("not-an-address")
        .setPassword("password1").build()))
        .satisfies(e -> assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(com.google.rpc.BadRequest.class).getFieldViolationsList())
            .extracting(v -> v.getField() + ": " + v.getDescription())
            .anySatisfy(v -> assertThat(v).startsWith("/email: 'not-an-address' is not an e-mail address"))
            .anySatisfy(v -> assertThat(v).startsWith("/password: use at least 10 characters")));

    assertThatThrownBy(() -> accounts().signUp(SignUpRequest.newBuilder().setOrgName("Dup").setOrgSlug(taken).setEmail("new@" + taken + ".test")
        .setPassword(PASSWORD).build()))
        .satisfies(e -> assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(com.google.rpc.BadRequest.class).getFieldViolationsList())
            .singleElement().satisfies(v -> assertThat(v.getField() + ": " + v.getDescription()).isEqualTo("/orgSlug: '" + taken + "' is taken; choose another")));

    assertThatThrownBy(() -> accounts().signUp(SignUpRequest.newBuilder().setOrgName("Weak").setOrgSlug(TestSlice.newOrg())
        .setEmail("weak@example.com").setPassword("password123").build()))
        .satisfies(e -> assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(com.google.rpc.BadRequest.class).getFieldViolations(0)
            .getDescription()).startsWith("this password is too easy to guess"));
  }

  @Test
  void anInvitedPersonJoinsWithTheRoleAndTheLastOwnerStays() {
    String ownerEmail = TestSlice.newOrg() + "@example.com";
    String org = signUpAndConfirm(ownerEmail);
    String invitee = "new-admin@" + org + ".test";

    var asOwner = InternalApi.actingAs(accounts(), login(ownerEmail, PASSWORD));
    Member owner = asOwner.listMembers(ListMembersRequest.newBuilder().setOrg(org).build()).getMembers(0);
    asOwner.inviteMember(InviteMemberRequest.newBuilder().setOrg(org).setEmail(invitee).setRole("admin").build());
    assertThat(asOwner.listMembers(ListMembersRequest.newBuilder().setOrg(org).build()).getInvitationsList())
        .singleElement().satisfies(invitation -> assertThat(invitation.getEmail()).isEqualTo(invitee));
    Member admin = accounts().acceptInvitation(AcceptInvitationRequest.newBuilder().setToken(linkTokenMailedTo(invitee))
        .setPassword("a much longer admin passphrase").build());
    assertThat(admin.getRole()).isEqualTo("admin");

    var asAdmin = InternalApi.actingAs(accounts(), login(invitee, "a much longer admin passphrase"));
    assertThat(code(() -> asOwner.changeMemberRole(ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(owner.getUserId())
        .setRole("member").build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(code(() -> asOwner.removeMember(RemoveMemberRequest.newBuilder().setOrg(org).setUserId(owner.getUserId())
        .build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(code(() -> asAdmin.changeMemberRole(ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(admin.getUserId())
        .setRole("owner").build()))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> asAdmin.inviteMember(InviteMemberRequest.newBuilder().setOrg(org).setEmail("boss@" + org + ".test")
        .setRole("owner").build()))).as("an admin invites no owner").isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> accounts().inviteMember(InviteMemberRequest.newBuilder().setOrg(org).setEmail("anyone@" + org + ".test")
        .setRole("viewer").build()))).as("no forwarded caller, no invitation").isEqualTo(Status.Code.UNAUTHENTICATED);

    asOwner.changeMemberRole(ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(admin.getUserId()).setRole("owner").build());
    asOwner.changeMemberRole(ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(owner.getUserId()).setRole("viewer").build());
    assertThat(InternalApi.actingAs(accounts(), login(invitee, "a much longer admin passphrase"))
        .listMembers(ListMembersRequest.newBuilder().setOrg(org).build()).getMembersList())
        .extracting(m -> m.getEmail() + "=" + m.getRole()).containsExactlyInAnyOrder(ownerEmail + "=viewer", invitee + "=owner");
  }

  @Test
  void nobodyGrantsAboveTheirRoleAndLosingARoleRevokesTheKeysMadeAboveIt() {
    String ownerEmail = TestSlice.newOrg() + "@example.com";
    String org = signUpAndConfirm(ownerEmail);
    var asOwner = InternalApi.actingAs(accounts(), login(ownerEmail, PASSWORD));
    String adminEmail = "admin@" + org + ".test";
    asOwner.inviteMember(InviteMemberRequest.newBuilder().setOrg(org).setEmail(adminEmail).setRole("admin").build());
    Member admin = accounts().acceptInvitation(AcceptInvitationRequest.newBuilder().setToken(linkTokenMailedTo(adminEmail))
        .setPassword("a much longer admin passphrase").build());
    var adminKeys = InternalApi.actingAs(ApiKeysGrpc.newBlockingStub(channel), login(adminEmail, "a much longer admin passphrase"));

    assertThat(code(() -> adminKeys.createApiKey(CreateApiKeyRequest.newBuilder().setOrg(org).setName("root").setRole("owner").build())))
        .as("an admin mints no owner key").isEqualTo(Status.Code.PERMISSION_DENIED);
    String adminKey = adminKeys.createApiKey(CreateApiKeyRequest.newBuilder().setOrg(org).setName("ops").setRole("admin").build()).getKey().getId();
    String viewerKey = adminKeys.createApiKey(CreateApiKeyRequest.newBuilder().setOrg(org).setName("dash").setRole("viewer").build()).getKey().getId();

    asOwner.changeMemberRole(ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(admin.getUserId()).setRole("member").build());
    assertThat(revoked(org, adminKey)).as("made above the role they keep").isTrue();
    assertThat(revoked(org, viewerKey)).isFalse();

    asOwner.removeMember(RemoveMemberRequest.newBuilder().setOrg(org).setUserId(admin.getUserId()).build());
    assertThat(revoked(org, viewerKey)).as("they left: every key they made goes").isTrue();
  }

  private static boolean revoked(String org, String keyId) {
    try (var connection = DriverManager.getConnection(Infrastructure.shared().postgres().jdbcUrl() + "?currentSchema=tenant", "postgres", Infrastructure.shared().postgres().password());
        var statement = connection.prepareStatement("select revoked_at is not null from api_keys where org_id = ? and key_id = ?")) {
      statement.setString(1, org);
      statement.setString(2, keyId);
      try (var result = statement.executeQuery()) {
        result.next();
        return result.getBoolean(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A console login's access token. */
  private static String login(String email, String password) {
    return new ConsoleLogin("http://127.0.0.1:" + httpPort).accessToken(email, password);
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aConfirmedOwnerLogsInToTheConsoleWithPkceAndGetsATokenForTheirOrgAndTheCodeWorksOnce() {
    String email = TestSlice.newOrg() + "@example.com";
    String org = signUpAndConfirm(email);
    String base = "http://127.0.0.1:" + httpPort;
    ConsoleLogin browser = new ConsoleLogin(base);

    assertThat(browser.submit(email, "wrong").headers().firstValue("Location")).hasValue(base + "/login?error");
    ConsoleLogin.Code code = browser.authorizationCode(email, PASSWORD);
    HttpResponse<String> token = browser.exchange(code);
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    Jwt jwt = NimbusJwtDecoder.withJwkSetUri(base + "/oauth2/jwks").build()
        .decode(JsonMapper.builder().build().readTree(token.body()).get("access_token").asString());
    assertThat(jwt.getClaimAsString("org")).isEqualTo(org);
    assertThat(jwt.getClaimAsString("role")).isEqualTo("owner");
    assertThat(jwt.getClaimAsString("email")).isEqualTo(email);
    assertThat(jwt.getAudience()).containsExactly("meridian-api");

    HttpResponse<String> replayed = browser.exchange(code);
    assertThat(replayed.statusCode()).as("a code works once: " + replayed.body()).isBetween(400, 401);
  }

  @Test
  void anUnconfirmedAccountCannotLogIn() {
    String org = TestSlice.newOrg();
    String email = "unconfirmed@" + org + ".test";
    accounts().signUp(SignUpRequest.newBuilder().setOrgName("U").setOrgSlug(org).setEmail(email).setPassword(PASSWORD).build());

    assertThat(new ConsoleLogin("http://127.0.0.1:" + httpPort).submit(email, PASSWORD).headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/login?error"));
  }
}
