package dev.meridian.gateway.billing;

import dev.meridian.gateway.infra.RestErrors;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The platform operator's billing: the default plan's prices, an org's override, and closing a
 * month. Only the operator's client may call these (AccessPolicy).
 */
@RestController
class OperatorBillingController {

  private final GatewayBilling billing;

  OperatorBillingController(GatewayBilling billing) {
    this.billing = billing;
  }

  /** {@code {unitPriceMinor, org?}}: the default plan's price, or with {@code org} that org's override. */
  @PutMapping("/api/v1/operator/prices/{resource}")
  ResponseEntity<?> setPrice(@PathVariable String resource, @RequestBody JsonNode body) {
    return RestErrors.respond(billing.setPrice(resource, body), OperatorBillingController::view);
  }

  @PostMapping("/api/v1/operator/billing/periods/{period}/close")
  ResponseEntity<?> close(@PathVariable String period) {
    return RestErrors.respond(billing.close(period), invoices -> Map.of("period", period, "invoices", invoices));
  }

  private static Map<String, Object> view(dev.meridian.proto.billing.v1.Price price) {
    return Map.of("org", price.getOrg(), "resource", price.getResource(), "unitPrice",
        GatewayBilling.money(price.getUnitPriceMinor(), price.getCurrency()), "unit", price.getUnit());
  }
}
