package dev.meridian.billing.infra;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param topic the usage topic the router publishes to
 * @param currency ISO 4217 code of every price and amount (minor units)
 * @param router the cluster-router's internal gRPC address, for the reconciliation
 * @param reconcileWindow how far back the reconciliation compares records
 * @param reconcileSettle how long after a record ended it must have reached billing
 */
@Validated
@ConfigurationProperties("meridian.billing")
record BillingProperties(@NotBlank String topic, @NotBlank String currency, @NotBlank String router,
    @NotNull Duration reconcileWindow, @NotNull Duration reconcileSettle) {

  BillingProperties {
    topic = topic == null ? "meridian.usage.v1" : topic;
    currency = currency == null ? "USD" : currency;
    router = router == null ? "127.0.0.1:9292" : router;
    reconcileWindow = reconcileWindow == null ? Duration.ofDays(35) : reconcileWindow;
    reconcileSettle = reconcileSettle == null ? Duration.ofMinutes(2) : reconcileSettle;
  }
}
