package dev.meridian.router.infra;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/** @param target host:port of the Temporal frontend */
@Validated
@ConfigurationProperties("meridian.router.temporal")
record TemporalProperties(@NotBlank String target, String namespace) {
  TemporalProperties {
    namespace = namespace == null || namespace.isBlank() ? "meridian" : namespace;
  }
}
