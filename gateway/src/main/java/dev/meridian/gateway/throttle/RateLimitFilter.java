package dev.meridian.gateway.throttle;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every REST call under {@code /api/v1/orgs/{org}} takes a token from the org's bucket, except
 * terminating an execution: an overloaded tenant must always be able to stop its own work.
 */
@Component
class RateLimitFilter extends OncePerRequestFilter {

  private static final Pattern ORG_PATH = Pattern.compile("/api/v1/orgs/([^/]+)(?:/projects/([^/]+))?.*");
  private static final Pattern TERMINATE = Pattern.compile(".*/executions/[^/]+/terminate");

  private final RateLimits limits;

  RateLimitFilter(RateLimits limits) {
    this.limits = limits;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = request.getRequestURI();
    Matcher org = ORG_PATH.matcher(path);
    if (!org.matches() || TERMINATE.matcher(path).matches()) {
      chain.doFilter(request, response);
      return;
    }
    Optional<Refusal.Throttled> refused = limits.take(org.group(1), org.group(2));
    if (refused.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    RestErrors.write(refused.get(), request, response);
  }
}
