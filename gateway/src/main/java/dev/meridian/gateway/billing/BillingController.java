package dev.meridian.gateway.billing;

import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.billing.v1.Invoice;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** API.md §Usage and billing: an org's usage (JSON, or CSV with {@code Accept: text/csv}) and invoices. */
@RestController
class BillingController {

  private final GatewayBilling billing;

  BillingController(GatewayBilling billing) {
    this.billing = billing;
  }

  @GetMapping(path = "/api/v1/orgs/{org}/usage", produces = {MediaType.APPLICATION_JSON_VALUE, "application/problem+json"})
  ResponseEntity<?> usage(@PathVariable String org, @RequestParam(required = false) String from, @RequestParam(required = false) String to,
      @RequestParam(required = false) String groupBy) {
    return RestErrors.respond(billing.usage(org, from, to, groupBy), json -> json);
  }

  @GetMapping(path = "/api/v1/orgs/{org}/usage", produces = "text/csv")
  ResponseEntity<?> usageCsv(@PathVariable String org, @RequestParam(required = false) String from,
      @RequestParam(required = false) String to, @RequestParam(required = false) String groupBy) {
    Outcome<Map<String, Object>> usage = billing.usage(org, from, to, groupBy);
    if (usage instanceof Outcome.Refused<?> refused) {
      return RestErrors.problem(refused.refusal());
    }
    Map<String, Object> json = ((Outcome.Done<Map<String, Object>>) usage).value();
    return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/csv"))
        .header("Content-Disposition", "attachment; filename=\"usage-" + org + ".csv\"").body(csv(json));
  }

  /** One row per key and GPU type (a row with an empty type for keys without GPUs), exact decimals. */
  @SuppressWarnings("unchecked")
  static String csv(Map<String, Object> json) {
    StringBuilder csv = new StringBuilder(json.get("groupBy") + ",gpuType,gpuSeconds,cpuCoreSeconds,memoryGiBSeconds,costMinor,currency\n");
    for (Map<String, Object> item : (List<Map<String, Object>>) json.get("items")) {
      Map<String, BigDecimal> gpus = (Map<String, BigDecimal>) item.get("gpuSeconds");
      Map<String, Object> cost = (Map<String, Object>) item.get("cost");
      String tail = "," + item.get("cpuCoreSeconds") + "," + item.get("memoryGiBSeconds") + "," + cost.get("amountMinor") + ","
          + cost.get("currency") + "\n";
      if (gpus.isEmpty()) {
        csv.append(field(item.get("key"))).append(",,0").append(tail);
      }
      boolean first = true;
      for (var gpu : gpus.entrySet()) {
        // CPU, memory and cost belong to the key once; further GPU types of the same key carry zeros.
        csv.append(field(item.get("key"))).append(',').append(field(gpu.getKey())).append(',').append(gpu.getValue())
            .append(first ? tail : ",0,0,0," + cost.get("currency") + "\n");
        first = false;
      }
    }
    return csv.toString();
  }

  private static String field(Object value) {
    String text = String.valueOf(value);
    return text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
  }

  @GetMapping("/api/v1/orgs/{org}/invoices")
  ResponseEntity<?> invoices(@PathVariable String org) {
    return RestErrors.respond(billing.invoices(org), items -> Map.of("items", items.stream().map(BillingController::summary).toList()));
  }

  @GetMapping("/api/v1/orgs/{org}/invoices/{id}")
  ResponseEntity<?> invoice(@PathVariable String org, @PathVariable String id) {
    return RestErrors.respond(billing.invoice(org, id), BillingController::detail);
  }

  static Map<String, Object> summary(Invoice invoice) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", invoice.getId());
    json.put("period", invoice.getPeriod());
    json.put("status", invoice.getStatus());
    json.put("total", GatewayBilling.money(invoice.getTotalMinor(), invoice.getCurrency()));
    json.put("closedAt", invoice.hasClosedAt() ? com.google.protobuf.util.Timestamps.toString(invoice.getClosedAt()) : null);
    return json;
  }

  static Map<String, Object> detail(Invoice invoice) {
    Map<String, Object> json = summary(invoice);
    json.put("lines", invoice.getLinesList().stream().map(line -> {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("project", line.getProject());
      item.put("resource", line.getResource());
      item.put("quantity", new BigDecimal(line.getQuantityHours()));
      item.put("unit", line.getUnit());
      item.put("unitPrice", GatewayBilling.money(line.getUnitPriceMinor(), invoice.getCurrency()));
      item.put("amount", GatewayBilling.money(line.getAmountMinor(), invoice.getCurrency()));
      item.put("adjustmentFor", line.getAdjustmentFor().isEmpty() ? null : line.getAdjustmentFor());
      return item;
    }).toList());
    return json;
  }
}
