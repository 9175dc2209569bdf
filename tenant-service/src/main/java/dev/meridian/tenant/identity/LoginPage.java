package dev.meridian.tenant.identity;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.DisabledException;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.util.HtmlUtils;

/** The console's login form (served through the gateway at {@code /login}). Plain HTML, no script. */
@Controller
class LoginPage {

  @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  @ResponseBody
  String login(HttpServletRequest request) {
    CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    String message = "";
    if (request.getParameter("error") != null) {
      HttpSession session = request.getSession(false);
      Object failure = session == null ? null : session.getAttribute(WebAttributes.AUTHENTICATION_EXCEPTION);
      message = failure instanceof DisabledException
          ? "Confirm your e-mail address first: follow the link in the e-mail we sent when you signed up."
          : "That e-mail address and password do not match an account.";
    } else if (request.getParameter("logout") != null) {
      message = "You are signed out.";
    }
    return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · Meridian</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="stylesheet" href="/console.css"></head>
        <body><main class="narrow">
        <h1>Sign in to Meridian</h1>
        %s
        <form method="post" action="/login">
          <label>E-mail <input id="username" name="username" type="email" autocomplete="username" required autofocus></label>
          <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
          <input type="hidden" name="%s" value="%s">
          <button id="sign-in" type="submit">Sign in</button>
        </form>
        <p>New to Meridian? <a href="/signup">Create an organisation</a>.</p>
        </main></body></html>
        """.formatted(message.isEmpty() ? "" : "<p class=\"notice\" id=\"login-message\">" + HtmlUtils.htmlEscape(message) + "</p>",
        csrf.getParameterName(), csrf.getToken());
  }
}
