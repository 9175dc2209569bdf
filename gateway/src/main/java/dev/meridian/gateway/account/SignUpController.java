package dev.meridian.gateway.account;

import dev.meridian.gateway.identity.LoginThrottle;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
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
    var refused = throttle.admitSignUp(request.getRemoteAddr(), email);
    if (refused.isPresent()) {
      return RestErrors.problem(refused.get());
    }
    ResponseEntity<?> answer = RestErrors.respond(accounts.signUp(body), created -> {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("orgSlug", created.getOrgSlug());
      view.put("status", created.getStatus());
      view.put("message", "We sent a confirmation link to " + created.getEmail() + ". Follow it to activate " + created.getOrgSlug() + ".");
      return view;
    });
    return answer.getStatusCode().is2xxSuccessful() ? ResponseEntity.status(HttpStatus.ACCEPTED).body(answer.getBody()) : answer;
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
