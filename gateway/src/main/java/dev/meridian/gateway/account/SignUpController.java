package dev.meridian.gateway.account;

import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.identity.LoginThrottle;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.tenant.v1.SignUpResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** What anyone may call without a token: sign up, confirm the sign-up, accept an invitation. */
@RestController
class SignUpController {

  private final Accounts accounts;
  private final LoginThrottle throttle;

  SignUpController(Accounts accounts, LoginThrottle throttle) {
    this.accounts = accounts;
    this.throttle = throttle;
  }

  /** 202 {@code {orgSlug, status: PENDING_CONFIRMATION}}: the org becomes active when the mailed link is followed. */
  @PostMapping("/api/v1/signup")
  ResponseEntity<?> signUp(@RequestBody JsonNode body, HttpServletRequest request) {
    String email = body.path("email").isString() ? body.path("email").asString().trim() : null;
    var throttled = throttle.admitSignUp(request.getRemoteAddr(), email);
    if (throttled.isPresent()) {
      return RestErrors.problem(throttled.get());
    }
    return switch (accounts.signUp(body)) {
      case Outcome.Done<SignUpResponse> pending -> ResponseEntity.accepted().body(Map.of("orgSlug", pending.value().getOrgSlug(),
          "status", pending.value().getStatus(), "message", "We sent a confirmation link to " + pending.value().getEmail()
              + ". Follow it to activate " + pending.value().getOrgSlug() + "."));
      case Outcome.Refused<SignUpResponse> refused -> RestErrors.problem(refused.refusal());
    };
  }

  @PostMapping("/api/v1/signup/confirm")
  ResponseEntity<?> confirm(@RequestBody JsonNode body) {
    return RestErrors.respond(accounts.confirm(body), confirmed -> Map.of("orgSlug", confirmed.getOrgSlug(), "status", confirmed.getStatus(),
        "email", confirmed.getEmail()));
  }

  /** Joins the org named by the invitation; a person without an account chooses a password here. */
  @PostMapping("/api/v1/invitations/accept")
  ResponseEntity<?> accept(@RequestBody JsonNode body) {
    return RestErrors.respond(accounts.acceptInvitation(body), MemberController::view);
  }
}
