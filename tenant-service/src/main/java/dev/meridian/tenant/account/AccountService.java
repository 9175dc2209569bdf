package dev.meridian.tenant.account;

import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.tenant.v1.AcceptInvitationRequest;
import dev.meridian.proto.tenant.v1.AccountsGrpc;
import dev.meridian.proto.tenant.v1.ChangeMemberRoleRequest;
import dev.meridian.proto.tenant.v1.ConfirmSignUpRequest;
import dev.meridian.proto.tenant.v1.Invitation;
import dev.meridian.proto.tenant.v1.InviteMemberRequest;
import dev.meridian.proto.tenant.v1.ListMembersRequest;
import dev.meridian.proto.tenant.v1.ListMembersResponse;
import dev.meridian.proto.tenant.v1.Member;
import dev.meridian.proto.tenant.v1.RemoveMemberRequest;
import dev.meridian.proto.tenant.v1.SignUpRequest;
import dev.meridian.proto.tenant.v1.SignUpResponse;
import dev.meridian.identity.Role;
import dev.meridian.tenant.directory.EmailAddress;
import dev.meridian.tenant.identity.Callers;
import dev.meridian.tenant.directory.Slug;
import dev.meridian.proto.FieldViolations;
import dev.meridian.proto.FieldViolations.Violation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * People over the internal gRPC contract. Every operation runs in one transaction: an org, its
 * owner, the link and the e-mail appear together or not at all, and a link is used once.
 */
@Service
class AccountService extends AccountsGrpc.AccountsImplBase {

  private static final Logger log = LoggerFactory.getLogger(AccountService.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final AccountStore store;
  private final MailOutbox mail;
  private final PasswordEncoder encoder;
  private final AccountProperties properties;
  private final TransactionTemplate transaction;

  private final Callers callers;
  AccountService(AccountStore store, MailOutbox mail, PasswordEncoder encoder, AccountProperties properties, TransactionTemplate transaction,
      Callers callers) {
    this.callers = callers;
    this.store = store;
    this.mail = mail;
    this.encoder = encoder;
    this.properties = properties;
    this.transaction = transaction;
  }

  @Override
  public void signUp(SignUpRequest request, StreamObserver<SignUpResponse> response) {
    String email = request.getEmail().trim();
    List<Violation> violations = new ArrayList<>();
    if (request.getOrgName().isBlank()) {
      violations.add(new Violation("/orgName", "name your organisation"));
    } else if (request.getOrgName().length() > 100) {
      violations.add(new Violation("/orgName", "use at most 100 characters"));
    }
    Slug.problem("orgSlug", request.getOrgSlug()).ifPresent(problem -> violations.add(new Violation("/orgSlug", problem)));
    emailProblem(email).ifPresent(problem -> violations.add(new Violation("/email", problem)));
    PasswordPolicy.problem(request.getPassword(), List.of(request.getOrgSlug(), request.getOrgName(), email, email.split("@")[0]))
        .ifPresent(problem -> violations.add(new Violation("/password", problem)));
    if (!violations.isEmpty()) {
      response.onError(FieldViolations.invalid("the sign-up is incomplete or invalid", violations));
      return;
    }
    String hash = encoder.encode(request.getPassword());
    run(response, () -> transaction.execute(status -> {
      store.dropStaleSignUps(request.getOrgSlug(), email);
      if (store.userByEmail(email).isPresent()) {
        throw FieldViolations.invalid("the sign-up is invalid", List.of(new Violation("/email",
            "an account with this e-mail address exists: log in, or ask an owner of the organisation to invite you")));
      }
      if (!store.insertPendingOrg(request.getOrgSlug(), request.getOrgName().trim(), email)) {
        throw FieldViolations.invalid("the sign-up is invalid", List.of(new Violation("/orgSlug",
            "'" + request.getOrgSlug() + "' is taken; choose another")));
      }
      String userId = newId("usr_");
      store.insertUser(userId, email, hash, "PENDING_CONFIRMATION");
      store.addMember(request.getOrgSlug(), userId, "owner");
      Instant expires = Instant.now().plus(properties.signUpLinkTtl());
      String token = newLink("SIGNUP", request.getOrgSlug(), email, null, email, expires);
      mail.enqueue(email, "Confirm your Meridian sign-up for " + request.getOrgName().trim(), """
          Welcome to Meridian.

          Confirm your e-mail address to activate the organisation "%s" (%s):

          %s/signup/confirm?token=%s

          The link works once and until %s. If you did not sign up, ignore this e-mail.
          """.formatted(request.getOrgName().trim(), request.getOrgSlug(), properties.publicUrl(), token, WHEN.format(expires)));
      log.info("sign-up of org {} waits for confirmation", request.getOrgSlug());
      return SignUpResponse.newBuilder().setOrgSlug(request.getOrgSlug()).setStatus("PENDING_CONFIRMATION").setEmail(email).build();
    }));
  }

  @Override
  public void confirmSignUp(ConfirmSignUpRequest request, StreamObserver<SignUpResponse> response) {
    run(response, () -> transaction.execute(status -> {
      AccountStore.LinkRow link = usableLink(request.getToken(), "SIGNUP", "confirmation link", "sign up again");
      store.useLink(link.id());
      store.activateOrg(link.org());
      store.userByEmail(link.email()).ifPresent(user -> store.activateUser(user.id(), null));
      log.info("org {} confirmed by its owner", link.org());
      return SignUpResponse.newBuilder().setOrgSlug(link.org()).setStatus("ACTIVE").setEmail(link.email()).build();
    }));
  }

  @Override
  public void listMembers(ListMembersRequest request, StreamObserver<ListMembersResponse> response) {
    run(response, () -> {
      activeOrg(request.getOrg());
      callers.in(request.getOrg());
      ListMembersResponse.Builder list = ListMembersResponse.newBuilder();
      store.members(request.getOrg()).forEach(member -> list.addMembers(toProto(member)));
      store.openInvitations(request.getOrg()).forEach(link -> list.addInvitations(toProto(link)));
      return list.build();
    });
  }

  @Override
  public void inviteMember(InviteMemberRequest request, StreamObserver<Invitation> response) {
    String email = request.getEmail().trim();
    List<Violation> violations = new ArrayList<>();
    emailProblem(email).ifPresent(problem -> violations.add(new Violation("/email", problem)));
    Role.problemWithOrgRole(request.getRole()).ifPresent(problem -> violations.add(new Violation("/role", problem)));
    if (!violations.isEmpty()) {
      response.onError(FieldViolations.invalid("the invitation is invalid", violations));
      return;
    }
    run(response, () -> transaction.execute(status -> {
      AccountStore.OrgRow org = store.lockOrg(request.getOrg()).filter(o -> o.status().equals("ACTIVE"))
          .orElseThrow(() -> Status.NOT_FOUND.withDescription("org '" + request.getOrg() + "' not found").asRuntimeException());
      Callers.Acting acting = callers.in(org.slug());
      Callers.mayGrant(acting, Role.of(request.getRole()).orElseThrow(), "invite someone");
      String inviter = acting.who().email() != null ? acting.who().email() : acting.describe();
      if (store.memberByEmail(org.slug(), email).isPresent()) {
        throw Status.ALREADY_EXISTS.withDescription(email + " is already a member of " + org.slug()).asRuntimeException();
      }
      Instant expires = Instant.now().plus(properties.invitationTtl());
      String token = newLink("INVITATION", org.slug(), email, request.getRole(), inviter, expires);
      mail.enqueue(email, "You are invited to " + org.name() + " on Meridian", """
          %s invited you to join the organisation "%s" (%s) on Meridian as %s.

          Accept the invitation:

          %s/invitations/accept?token=%s

          The link works once and until %s.
          """.formatted(inviter, org.name(), org.slug(), request.getRole(), properties.publicUrl(), token, WHEN.format(expires)));
      log.info("invited a {} to org {}", request.getRole(), org.slug());
      return toProto(store.openInvitations(org.slug()).stream().filter(link -> link.email().equals(email))
          .reduce((first, second) -> second).orElseThrow());
    }));
  }

  @Override
  public void acceptInvitation(AcceptInvitationRequest request, StreamObserver<Member> response) {
    run(response, () -> transaction.execute(status -> {
      AccountStore.LinkRow link = usableLink(request.getToken(), "INVITATION", "invitation", "ask for a new invitation");
      var existing = store.userByEmail(link.email());
      String userId;
      if (existing.isPresent() && existing.get().status().equals("ACTIVE")) {
        userId = existing.get().id();
      } else {
        PasswordPolicy.problem(request.getPassword(), List.of(link.org(), link.email(), link.email().split("@")[0])).ifPresent(problem -> {
          throw FieldViolations.invalid("choose a password for your new account", List.of(new Violation("/password", problem)));
        });
        String hash = encoder.encode(request.getPassword());
        if (existing.isPresent()) {
          userId = existing.get().id();
          store.activateUser(userId, hash);
        } else {
          userId = newId("usr_");
          store.insertUser(userId, link.email(), hash, "ACTIVE");
        }
      }
      store.useLink(link.id());
      store.addMember(link.org(), userId, link.role());
      log.info("a new {} joined org {}", link.role(), link.org());
      return toProto(store.member(link.org(), userId).orElseThrow());
    }));
  }

  @Override
  public void changeMemberRole(ChangeMemberRoleRequest request, StreamObserver<Member> response) {
    Optional<String> badRole = Role.problemWithOrgRole(request.getRole());
    if (badRole.isPresent()) {
      response.onError(FieldViolations.invalid("the role is invalid", List.of(new Violation("/role", badRole.get()))));
      return;
    }
    run(response, () -> transaction.execute(status -> {
      AccountStore.MemberRow member = lockedMember(request.getOrg(), request.getUserId());
      Callers.Acting acting = callers.in(request.getOrg());
      Callers.mayGrant(acting, Role.of(member.role()).orElseThrow(), "change the role of a member");
      Callers.mayGrant(acting, Role.of(request.getRole()).orElseThrow(), "make someone a member");
      if (member.role().equals("owner") && !request.getRole().equals("owner") && store.owners(request.getOrg()) == 1) {
        throw Status.FAILED_PRECONDITION.withDescription(member.email() + " is the last owner of " + request.getOrg()
            + " and cannot be demoted: make another member owner first").asRuntimeException();
      }
      store.changeRole(request.getOrg(), member.userId(), request.getRole());
      store.recordMembershipChange(request.getOrg(), member.userId());
      int revoked = store.revokeKeysCreatedAbove(request.getOrg(), member.userId(), Role.of(request.getRole()).orElseThrow());
      log.info("member {} of org {} is now {}; {} API keys they made above that role revoked", member.userId(), request.getOrg(),
          request.getRole(), revoked);
      return toProto(store.member(request.getOrg(), member.userId()).orElseThrow());
    }));
  }

  @Override
  public void removeMember(RemoveMemberRequest request, StreamObserver<Member> response) {
    run(response, () -> transaction.execute(status -> {
      AccountStore.MemberRow member = lockedMember(request.getOrg(), request.getUserId());
      Callers.mayGrant(callers.in(request.getOrg()), Role.of(member.role()).orElseThrow(), "remove a member");
      if (member.role().equals("owner") && store.owners(request.getOrg()) == 1) {
        throw Status.FAILED_PRECONDITION.withDescription(member.email() + " is the last owner of " + request.getOrg()
            + " and cannot be removed: make another member owner first").asRuntimeException();
      }
      store.removeMember(request.getOrg(), member.userId());
      store.recordMembershipChange(request.getOrg(), member.userId());
      int revoked = store.revokeKeysCreatedAbove(request.getOrg(), member.userId(), null);
      log.info("member {} removed from org {}; the {} API keys they made revoked", member.userId(), request.getOrg(), revoked);
      return toProto(member);
    }));
  }

  /** The member, with the org locked so that two concurrent changes cannot both remove "the other" owner. */
  private AccountStore.MemberRow lockedMember(String org, String userId) {
    store.lockOrg(org).filter(o -> o.status().equals("ACTIVE"))
        .orElseThrow(() -> Status.NOT_FOUND.withDescription("org '" + org + "' not found").asRuntimeException());
    return store.member(org, userId)
        .orElseThrow(() -> Status.NOT_FOUND.withDescription("member '" + userId + "' not found").asRuntimeException());
  }

  private void activeOrg(String org) {
    store.findOrg(org).filter(o -> o.status().equals("ACTIVE"))
        .orElseThrow(() -> Status.NOT_FOUND.withDescription("org '" + org + "' not found").asRuntimeException());
  }

  private AccountStore.LinkRow usableLink(String token, String kind, String what, String remedy) {
    AccountStore.LinkRow link = store.lockLink(hash(token), kind)
        .orElseThrow(() -> Status.NOT_FOUND.withDescription("this " + what + " is not valid; check that you copied all of it")
            .asRuntimeException());
    if (link.usedAt() != null) {
      throw Status.FAILED_PRECONDITION.withDescription("this " + what + " was already used at " + WHEN.format(link.usedAt())
          + "; it works once").asRuntimeException();
    }
    if (link.expiresAt().isBefore(Instant.now())) {
      throw Status.FAILED_PRECONDITION.withDescription("this " + what + " expired at " + WHEN.format(link.expiresAt()) + "; " + remedy)
          .asRuntimeException();
    }
    return link;
  }

  private String newLink(String kind, String org, String email, String role, String createdBy, Instant expires) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    store.insertLink(newId("lnk_"), hash(token), kind, org, email, role,
        createdBy.isBlank() ? "unknown" : createdBy, expires);
    return token;
  }

  private static String newId(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  private static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static Optional<String> emailProblem(String email) {
    if (email.isEmpty()) {
      return Optional.of("enter your e-mail address");
    }
    return EmailAddress.isValid(email) ? Optional.empty() : Optional.of(FieldViolations.quote(email) + " is not an e-mail address");
  }

  private static <T> void run(StreamObserver<T> response, Supplier<T> work) {
    T value;
    try {
      value = work.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    } catch (DuplicateKeyException e) {
      response.onError(Status.ABORTED.withDescription("a concurrent request took the same name or address; try again").asRuntimeException());
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  private static Member toProto(AccountStore.MemberRow member) {
    return Member.newBuilder().setUserId(member.userId()).setOrg(member.org()).setEmail(member.email()).setRole(member.role())
        .setJoinedAt(Timestamps.fromMillis(member.joinedAt().toEpochMilli())).build();
  }

  private static Invitation toProto(AccountStore.LinkRow link) {
    return Invitation.newBuilder().setId(link.id()).setOrg(link.org()).setEmail(link.email()).setRole(link.role())
        .setInvitedBy(link.createdBy()).setExpiresAt(Timestamps.fromMillis(link.expiresAt().toEpochMilli())).build();
  }
}
