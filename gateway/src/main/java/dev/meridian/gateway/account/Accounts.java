package dev.meridian.gateway.account;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.proto.tenant.v1.AcceptInvitationRequest;
import dev.meridian.proto.tenant.v1.AccountsGrpc.AccountsBlockingStub;
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
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Sign-up and members, kept by tenant-service. The gateway checks the shape of each request (so a
 * missing field is located like everywhere else); the rules (password strength, slug taken, last
 * owner) are tenant-service's.
 */
@Service
class Accounts {

  private final AccountsBlockingStub accounts;

  Accounts(AccountsBlockingStub accountsStub) {
    this.accounts = accountsStub;
  }

  private AccountsBlockingStub accounts() {
    return accounts.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  Outcome<SignUpResponse> signUp(JsonNode body) {
    return read(body, Set.of("orgName", "orgSlug", "email", "password"), "the sign-up", fields -> SignUpRequest.newBuilder()
        .setOrgName(text(fields, "orgName")).setOrgSlug(text(fields, "orgSlug")).setEmail(text(fields, "email"))
        .setPassword(text(fields, "password")).build(), request -> accounts().signUp(request));
  }

  Outcome<SignUpResponse> confirm(JsonNode body) {
    return read(body, Set.of("token"), "the confirmation", fields -> ConfirmSignUpRequest.newBuilder()
        .setToken(required(fields, "token")).build(), request -> accounts().confirmSignUp(request));
  }

  Outcome<Member> acceptInvitation(JsonNode body) {
    return read(body, Set.of("token", "password"), "the invitation", fields -> AcceptInvitationRequest.newBuilder()
        .setToken(required(fields, "token")).setPassword(text(fields, "password")).build(), request -> accounts().acceptInvitation(request));
  }

  Outcome<ListMembersResponse> members(String org) {
    return Downstream.call("tenant-service", () -> accounts().listMembers(ListMembersRequest.newBuilder().setOrg(org).build()));
  }

  Outcome<Invitation> invite(String org, JsonNode body) {
    Outcome<Invitation> invited = read(body, Set.of("email", "role"), "the invitation", fields -> InviteMemberRequest.newBuilder()
        .setOrg(org).setEmail(required(fields, "email")).setRole(required(fields, "role")).build(),
        request -> accounts().inviteMember(request));
    return invited instanceof Outcome.Done<Invitation> done ? Outcome.created(done.value()) : invited;
  }

  Outcome<Member> changeRole(String org, String userId, JsonNode body) {
    return read(body, Set.of("role"), "the change", fields -> ChangeMemberRoleRequest.newBuilder().setOrg(org).setUserId(userId)
        .setRole(required(fields, "role")).build(), request -> accounts().changeMemberRole(request));
  }

  Outcome<Member> remove(String org, String userId) {
    return Downstream.call("tenant-service", () -> accounts().removeMember(RemoveMemberRequest.newBuilder().setOrg(org).setUserId(userId).build()));
  }

  private record Read(Fields fields, List<Violation> violations) {}

  private static <R, T> Outcome<T> read(JsonNode body, Set<String> known, String what, Function<Read, R> request, Function<R, T> call) {
    List<Violation> violations = new ArrayList<>();
    Read read = new Read(new Fields(body, "", violations), violations);
    read.fields().onlyKnown(known);
    R built = request.apply(read);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid(what + " is invalid", violations));
    }
    return Downstream.call("tenant-service", () -> call.apply(built));
  }

  private static String required(Read read, String name) {
    String value = read.fields().string(name, true);
    return value == null ? "" : value;
  }

  /** Optional here: tenant-service says what is missing in words meant for a sign-up form. */
  private static String text(Read read, String name) {
    String value = read.fields().string(name, false);
    return value == null ? "" : value;
  }
}
