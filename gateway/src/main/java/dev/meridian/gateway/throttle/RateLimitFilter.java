package dev.meridian.gateway.throttle;

import dev.meridian.gateway.api.Json;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
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
    // Written here, before Spring MVC: the same problem+json RestErrors gives, with its extra properties flattened.
    ResponseEntity<ProblemDetail> problem = RestErrors.problem(refused.get());
    ProblemDetail detail = problem.getBody();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", String.valueOf(detail.getType()));
    body.put("title", detail.getTitle());
    body.put("status", detail.getStatus());
    body.put("detail", detail.getDetail());
    body.put("instance", path);
    if (detail.getProperties() != null) {
      body.putAll(detail.getProperties());
    }
    response.setStatus(problem.getStatusCode().value());
    problem.getHeaders().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    response.getOutputStream().write(Json.MAPPER.writeValueAsBytes(body));
  }
}
