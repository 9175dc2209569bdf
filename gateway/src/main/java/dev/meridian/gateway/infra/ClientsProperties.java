package dev.meridian.gateway.infra;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/** host:port of the internal services the gateway calls. */
@Validated
@ConfigurationProperties("meridian.gateway.clients")
record ClientsProperties(@NotBlank String tenantService, @NotBlank String clusterRouter) {}
