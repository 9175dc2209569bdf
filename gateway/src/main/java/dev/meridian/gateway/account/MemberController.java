package dev.meridian.gateway.account;

import com.google.protobuf.util.Timestamps;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.tenant.v1.Invitation;
import dev.meridian.proto.tenant.v1.Member;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Members of an org and their roles; new members are invited by e-mail. Admins and owners only. */
@RestController
@RequestMapping("/api/v1/orgs/{org}/members")
class MemberController {

  private final Accounts accounts;

  MemberController(Accounts accounts) {
    this.accounts = accounts;
  }

  @GetMapping
  ResponseEntity<?> list(@PathVariable String org) {
    return RestErrors.respond(accounts.members(org), members -> Map.of(
        "items", members.getMembersList().stream().map(MemberController::view).toList(),
        "invitations", members.getInvitationsList().stream().map(MemberController::view).toList()));
  }

  /** 201 with the invitation; the person joins by following the mailed link. */
  @PostMapping
  ResponseEntity<?> invite(@PathVariable String org, @RequestBody JsonNode body) {
    return RestErrors.respond(accounts.invite(org, body), MemberController::view);
  }

  @PatchMapping("/{userId}")
  ResponseEntity<?> changeRole(@PathVariable String org, @PathVariable String userId, @RequestBody JsonNode body) {
    return RestErrors.respond(accounts.changeRole(org, userId, body), MemberController::view);
  }

  @DeleteMapping("/{userId}")
  ResponseEntity<?> remove(@PathVariable String org, @PathVariable String userId) {
    return RestErrors.respond(accounts.remove(org, userId), MemberController::view);
  }

  static Map<String, Object> view(Member member) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("userId", member.getUserId());
    view.put("org", member.getOrg());
    view.put("email", member.getEmail());
    view.put("role", member.getRole());
    view.put("joinedAt", Timestamps.toString(member.getJoinedAt()));
    return view;
  }

  static Map<String, Object> view(Invitation invitation) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", invitation.getId());
    view.put("email", invitation.getEmail());
    view.put("role", invitation.getRole());
    view.put("invitedBy", invitation.getInvitedBy());
    view.put("expiresAt", Timestamps.toString(invitation.getExpiresAt()));
    return view;
  }
}
