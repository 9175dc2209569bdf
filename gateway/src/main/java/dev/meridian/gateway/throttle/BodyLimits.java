package dev.meridian.gateway.throttle;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How large a request body may be. Larger ones are answered {@code 413} before more than the limit
 * is read, on every path, authenticated or not.
 *
 * @param api JSON bodies of the API (registrations, launches, sign-up)
 * @param forms the login form and {@code /oauth2/token}, which carry a few short fields
 */
@Validated
@ConfigurationProperties("meridian.gateway.body-limits")
record BodyLimits(@NotNull DataSize api, @NotNull DataSize forms) {
  BodyLimits {
    api = api == null ? DataSize.ofMegabytes(1) : api;
    forms = forms == null ? DataSize.ofKilobytes(16) : forms;
  }
}
