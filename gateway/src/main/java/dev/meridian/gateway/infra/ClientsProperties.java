package dev.meridian.gateway.infra;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * host:port of the internal services the gateway calls; {@code tenantServiceHttp} is where
 * tenant-service's OAuth2 endpoints are ({@code http://host:port}).
 */
@Validated
@ConfigurationProperties("meridian.gateway.clients")
public record ClientsProperties(@NotBlank String tenantService, @NotBlank String clusterRouter, String tenantServiceHttp,
    String secretsBroker, String billing) {
  public ClientsProperties {
    billing = billing == null ? "127.0.0.1:9494" : billing;
    secretsBroker = secretsBroker == null ? "127.0.0.1:9393" : secretsBroker;
    tenantServiceHttp = tenantServiceHttp == null ? "http://127.0.0.1:8181" : tenantServiceHttp;
  }
}
