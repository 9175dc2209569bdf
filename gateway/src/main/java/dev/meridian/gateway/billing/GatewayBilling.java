package dev.meridian.gateway.billing;

import com.google.protobuf.Timestamp;
import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.proto.billing.v1.BillingGrpc.BillingBlockingStub;
import dev.meridian.proto.billing.v1.ClosePeriodRequest;
import dev.meridian.proto.billing.v1.GetInvoiceRequest;
import dev.meridian.proto.billing.v1.GetUsageRequest;
import dev.meridian.proto.billing.v1.GetUsageResponse;
import dev.meridian.proto.billing.v1.Invoice;
import dev.meridian.proto.billing.v1.ListInvoicesRequest;
import dev.meridian.proto.billing.v1.Price;
import dev.meridian.proto.billing.v1.SetPriceRequest;
import dev.meridian.workflow.Violation;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;

/**
 * API.md §Usage and billing, kept by the billing service: an org's usage (grouped and priced) and
 * its invoices; the operator's price book and the closing of a month.
 */
@Service
public class GatewayBilling {

  static final Set<String> GROUP_BY = Set.of("project", "day", "hour", "gpuType", "cluster");
  private static final java.util.regex.Pattern RESOURCE = java.util.regex.Pattern.compile("cpu|memory|gpu:(\\*|[a-z0-9][a-z0-9.-]{0,62})");
  private static final Duration LONGEST_RANGE = Duration.ofDays(400);

  private final BillingBlockingStub billing;
  private final Projects projects;
  private final Clock clock;

  GatewayBilling(BillingBlockingStub billing, Projects projects, Clock clock) {
    this.billing = billing;
    this.projects = projects;
    this.clock = clock;
  }

  private BillingBlockingStub billing() {
    return billing.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** {@code GET .../usage?from=&to=&groupBy=}: from defaults to the start of this month (UTC), to to now. */
  Outcome<Map<String, Object>> usage(String org, String from, String to, String groupBy) {
    List<Violation> violations = new ArrayList<>();
    Instant now = clock.instant();
    Instant start = instant("from", from, YearMonth.from(now.atOffset(ZoneOffset.UTC)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC),
        violations);
    Instant end = instant("to", to, now, violations);
    String group = groupBy == null || groupBy.isBlank() ? "project" : groupBy;
    if (!GROUP_BY.contains(group)) {
      violations.add(new Violation("groupBy", "groupBy is one of project, day, hour, gpuType, cluster; not '" + group + "'"));
    }
    if (start != null && end != null && !start.isBefore(end)) {
      violations.add(new Violation("from", "from must be before to"));
    } else if (start != null && end != null && Duration.between(start, end).compareTo(LONGEST_RANGE) > 0) {
      violations.add(new Violation("to", "a usage report covers at most " + LONGEST_RANGE.toDays() + " days"));
    }
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the usage query is invalid", violations));
    }
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    Outcome<GetUsageResponse> usage = Downstream.call("billing", () -> billing().getUsage(GetUsageRequest.newBuilder().setOrg(org)
        .setFrom(timestamp(start)).setTo(timestamp(end)).setGroupBy(group).build()));
    return usage.map(response -> {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("from", start.toString());
      json.put("to", end.toString());
      json.put("groupBy", group);
      json.put("items", response.getRowsList().stream().map(row -> {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("key", row.getKey());
        Map<String, Object> gpus = new LinkedHashMap<>();
        row.getGpuMsMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(gpu -> gpus.put(gpu.getKey(), seconds(gpu.getValue(), 1)));
        item.put("gpuSeconds", gpus);
        item.put("cpuCoreSeconds", seconds(row.getMillicoreMs(), 1_000));
        item.put("memoryGiBSeconds", seconds(row.getMibMs(), 1_024));
        item.put("cost", money(row.getCostMinor(), response.getCurrency()));
        return item;
      }).toList());
      return json;
    });
  }

  Outcome<List<Invoice>> invoices(String org) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("billing", () -> billing().listInvoices(ListInvoicesRequest.newBuilder().setOrg(org).build()).getInvoicesList());
  }

  Outcome<Invoice> invoice(String org, String id) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    if (!id.matches("\\d{4}-\\d{2}")) {
      return Outcome.refused(new Refusal.NotFound("no invoice " + id + " (invoices are named by their month, yyyy-MM)"));
    }
    return Downstream.call("billing", () -> billing().getInvoice(GetInvoiceRequest.newBuilder().setOrg(org).setId(id).build()));
  }

  /** The operator sets a price of the default plan, or with {@code org} in the body of that org only. */
  Outcome<Price> setPrice(String resource, tools.jackson.databind.JsonNode body) {
    tools.jackson.databind.JsonNode price = body == null ? null : body.get("unitPriceMinor");
    String org = body == null || !body.path("org").isString() ? null : body.get("org").asString();
    List<Violation> violations = new ArrayList<>();
    if (!RESOURCE.matcher(resource).matches()) {
      violations.add(new Violation("resource", "a priced resource is cpu, memory, gpu:* or gpu:<type> (lower case, at most 63 characters),"
          + " not '" + (resource.length() > 80 ? resource.substring(0, 80) + "…" : resource) + "'"));
    }
    if (price == null || !price.canConvertToLong() || price.asLong() < 0 || !price.isIntegralNumber()) {
      violations.add(new Violation("/unitPriceMinor",
          "unitPriceMinor is required: a whole, non-negative number of minor currency units per unit-hour"));
    }
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the price is invalid", violations));
    }
    if (org != null) {
      Optional<Refusal> missing = projects.checkOrg(org);
      if (missing.isPresent()) {
        return Outcome.refused(missing.get());
      }
    }
    return Downstream.call("billing", () -> billing().setPrice(SetPriceRequest.newBuilder().setOrg(org == null ? "" : org)
        .setResource(resource).setUnitPriceMinor(price.asLong()).build()));
  }

  Outcome<Integer> close(String period) {
    return Downstream.call("billing", () -> billing().closePeriod(ClosePeriodRequest.newBuilder().setPeriod(period).build()).getInvoices());
  }

  static Map<String, Object> money(long amountMinor, String currency) {
    Map<String, Object> money = new LinkedHashMap<>();
    money.put("amountMinor", amountMinor);
    money.put("currency", currency);
    return money;
  }

  /** Exact integers (ms of a unit scaled by {@code scale}) as seconds with three decimals. */
  static BigDecimal seconds(long milliUnits, long scale) {
    return BigDecimal.valueOf(milliUnits).divide(BigDecimal.valueOf(1_000L * scale), 3, java.math.RoundingMode.HALF_EVEN);
  }

  private static Instant instant(String name, String text, Instant fallback, List<Violation> violations) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      violations.add(new Violation(name, name + " is an RFC 3339 instant such as 2026-12-01T00:00:00Z, not '" + text + "'"));
      return null;
    }
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
