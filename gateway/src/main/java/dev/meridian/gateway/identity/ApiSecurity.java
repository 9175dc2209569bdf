package dev.meridian.gateway.identity;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
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
            RestErrors.write(new Refusal.Unauthenticated(request.getHeader("Authorization") == null
                ? "send an access token: Authorization: Bearer <token> (POST /oauth2/token with an API key gives one)"
                : "the access token is not valid: " + e.getMessage()), request, response)))
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
        RestErrors.write(new Refusal.Unauthenticated("the access token names no role"), request, response);
        return;
      }
      switch (AccessPolicy.decide(request.getMethod(), request.getRequestURI(), caller.get())) {
        case AccessPolicy.Allow allow -> chain.doFilter(request, response);
        case AccessPolicy.Hidden hidden -> RestErrors.write(new Refusal.NotFound("no such resource: " + request.getRequestURI()), request, response);
        case AccessPolicy.Forbidden forbidden -> RestErrors.write(new Refusal.Forbidden(forbidden.detail()), request, response);
      }
    }
  }
}
