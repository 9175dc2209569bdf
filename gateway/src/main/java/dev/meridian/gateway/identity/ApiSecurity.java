package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every {@code /api/v1} call needs a valid access token ({@code 401} otherwise), and then the
 * {@link AccessPolicy} decides ({@code 404} for another org's path, {@code 403} for a role that may
 * not). {@link AccessPolicy#PUBLIC}, {@code /oauth2/token}, the login pages, the console's static
 * files and health stay open.
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurity {

  /** Sign-up and its confirmation, and accepting an invitation: for people who have no token yet. */
  @Bean
  @Order(0)
  SecurityFilterChain publicApi(HttpSecurity http) throws Exception {
    http.securityMatcher(AccessPolicy.PUBLIC.toArray(String[]::new))
        .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
        .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .csrf(csrf -> csrf.disable());
    return http.build();
  }

  @Bean
  @Order(1)
  SecurityFilterChain api(HttpSecurity http) throws Exception {
    http.securityMatcher("/api/v1/**")
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .oauth2ResourceServer(server -> server.jwt(jwt -> {}).authenticationEntryPoint((request, response, e) ->
            write(response, HttpStatus.UNAUTHORIZED, "unauthenticated", request.getHeader("Authorization") == null
                ? "send an access token: Authorization: Bearer <token> (POST /oauth2/token with an API key gives one)"
                : "the access token is not valid: " + e.getMessage(), request.getRequestURI())))
        .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .csrf(csrf -> csrf.disable())
        .addFilterAfter(new AccessFilter(), BearerTokenAuthenticationFilter.class);
    return http.build();
  }

  @Bean
  @Order(2)
  SecurityFilterChain open(HttpSecurity http) throws Exception {
    // No logout of its own: POST /logout belongs to the login session, which the authorization server keeps.
    http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).csrf(csrf -> csrf.disable()).logout(logout -> logout.disable());
    return http.build();
  }

  /** Applies the access policy to an authenticated request. */
  static final class AccessFilter extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (!(SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token)) {
        chain.doFilter(request, response);
        return;
      }
      var caller = Caller.of(token.getToken());
      if (caller.isEmpty()) {
        write(response, HttpStatus.UNAUTHORIZED, "unauthenticated", "the access token names no role", request.getRequestURI());
        return;
      }
      switch (AccessPolicy.decide(request.getMethod(), request.getRequestURI(), caller.get())) {
        case AccessPolicy.Allow allow -> chain.doFilter(request, response);
        case AccessPolicy.Hidden hidden -> write(response, HttpStatus.NOT_FOUND, "not-found", "no such resource: " + request.getRequestURI(),
            request.getRequestURI());
        case AccessPolicy.Forbidden forbidden -> write(response, HttpStatus.FORBIDDEN, "forbidden", forbidden.detail(), request.getRequestURI());
      }
    }
  }

  private static void write(HttpServletResponse response, HttpStatus status, String type, String detail, String instance) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "https://meridian.dev/problems/" + type);
    body.put("title", status.getReasonPhrase());
    body.put("status", status.value());
    body.put("detail", detail);
    body.put("instance", instance);
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    if (status == HttpStatus.UNAUTHORIZED) {
      response.setHeader("WWW-Authenticate", "Bearer");
    }
    response.getOutputStream().write(Json.MAPPER.writeValueAsBytes(body));
  }
}
