package dev.meridian.billing.invoice;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Usage as people ask for it, priced; invoices per org and month; the price book; closing a month.
 * An open month's invoice is computed from the aggregates at today's prices whenever it is asked
 * for; closing the month writes it once, with the prices of that moment, and it never changes.
 */
public class Invoices {

  public enum GroupBy {
    PROJECT("project"), DAY("to_char(hour at time zone 'UTC', 'YYYY-MM-DD')"),
    HOUR("to_char(hour at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24\":00:00Z\"')"), GPU_TYPE("gpu_type"), CLUSTER("cluster");

    private final String column;

    GroupBy(String column) {
      this.column = column;
    }

    /** project | day | hour | gpuType | cluster, as the API spells them. */
    public static Optional<GroupBy> parse(String name) {
      return switch (name) {
        case "project" -> Optional.of(PROJECT);
        case "day" -> Optional.of(DAY);
        case "hour" -> Optional.of(HOUR);
        case "gpuType" -> Optional.of(GPU_TYPE);
        case "cluster" -> Optional.of(CLUSTER);
        default -> Optional.empty();
      };
    }
  }

  /** One row of a usage report: GPU-ms by GPU type, millicore-ms, MiB-ms, and what it costs. */
  public record UsageRow(String key, Map<String, Long> gpuMs, long millicoreMs, long mibMs, long costMinor) {}

  public record Line(String project, String resource, long quantity, long unitPriceMinor, long amountMinor, YearMonth adjustmentFor) {}

  public enum Status { OPEN, CLOSED }

  public record Invoice(String org, YearMonth period, Status status, long totalMinor, String currency, List<Line> lines,
      Instant closedAt) {}

  /** What closing a month did. */
  public sealed interface Closing {
    record Closed(int invoices) implements Closing {}
    record AlreadyClosed() implements Closing {}
    record NotOver(YearMonth current) implements Closing {}
  }

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final Clock clock;
  private final String currency;

  public Invoices(JdbcClient jdbc, TransactionTemplate transactions, Clock clock, String currency) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.clock = clock;
    this.currency = currency;
  }

  public String currency() {
    return currency;
  }

  /** The org's prices: the default plan, overridden by the org's own. */
  public Map<String, Long> prices(String org) {
    Map<String, Long> prices = new TreeMap<>();
    jdbc.sql("select org_id, resource, unit_price_minor from prices where org_id in ('', :org) order by org_id")
        .param("org", org).query(rs -> {
          prices.put(rs.getString(2), rs.getLong(3));
        });
    return prices;
  }

  /** Sets a price of the default plan ({@code org} empty) or an org's override. */
  public void setPrice(String org, String resource, long unitPriceMinor) {
    Pricing.scale(resource);
    jdbc.sql("""
        insert into prices (org_id, resource, unit_price_minor) values (:org, :resource, :price)
        on conflict (org_id, resource) do update set unit_price_minor = excluded.unit_price_minor
        """).param("org", org).param("resource", resource).param("price", unitPriceMinor).update();
  }

  /** Usage of {@code org} in the hours that start in [from, to), grouped and priced at today's prices. */
  public List<UsageRow> usage(String org, Instant from, Instant to, GroupBy groupBy) {
    Map<String, Long> prices = prices(org);
    record Sum(String key, String gpuType, long gpuMs, long millicoreMs, long mibMs) {}
    List<Sum> sums = jdbc.sql("select " + groupBy.column + """
          , gpu_type, sum(gpu_ms)::bigint, sum(millicore_ms)::bigint, sum(mib_ms)::bigint
          from usage_hourly where org_id = :org and hour >= :from and hour < :to
         group by 1, 2 order by 1, 2
        """).param("org", org).param("from", Timestamp.from(from)).param("to", Timestamp.from(to))
        .query((rs, i) -> new Sum(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))).list();
    Map<String, List<Sum>> byKey = new LinkedHashMap<>();
    sums.forEach(sum -> byKey.computeIfAbsent(sum.key(), key -> new ArrayList<>()).add(sum));
    List<UsageRow> rows = new ArrayList<>();
    byKey.forEach((key, parts) -> {
      Map<String, Long> gpuMs = new TreeMap<>();
      long millicoreMs = 0;
      long mibMs = 0;
      for (Sum part : parts) {
        if (!part.gpuType().isEmpty() && part.gpuMs() > 0) {
          gpuMs.merge(part.gpuType(), part.gpuMs(), Long::sum);
        }
        millicoreMs += part.millicoreMs();
        mibMs += part.mibMs();
      }
      long cost = Pricing.amountMinor("cpu", millicoreMs, Pricing.priceOf("cpu", prices))
          + Pricing.amountMinor("memory", mibMs, Pricing.priceOf("memory", prices));
      for (var gpu : gpuMs.entrySet()) {
        cost += Pricing.amountMinor("gpu:" + gpu.getKey(), gpu.getValue(), Pricing.priceOf("gpu:" + gpu.getKey(), prices));
      }
      rows.add(new UsageRow(key, gpuMs, millicoreMs, mibMs, cost));
    });
    return rows;
  }

  /** The org's invoices, newest first: closed ones as written, open ones as they stand. */
  public List<Invoice> list(String org) {
    List<Invoice> invoices = new ArrayList<>();
    TreeSet<YearMonth> open = new TreeSet<>(jdbc.sql("""
        select distinct billed_period from usage_hourly h where org_id = :org
           and not exists (select 1 from closed_periods c where c.period = h.billed_period)
        """).param("org", org).query((rs, i) -> YearMonth.from(rs.getDate(1).toLocalDate())).list());
    open.forEach(period -> invoices.add(openInvoice(org, period)));
    jdbc.sql("select period from invoices where org_id = :org").param("org", org)
        .query((rs, i) -> YearMonth.from(rs.getDate(1).toLocalDate())).list()
        .forEach(period -> closedInvoice(org, period).ifPresent(invoices::add));
    invoices.sort(Comparator.comparing(Invoice::period).reversed());
    return invoices;
  }

  /** The org's invoice for {@code period}, if it has one. */
  public Optional<Invoice> get(String org, YearMonth period) {
    Optional<Invoice> closed = closedInvoice(org, period);
    if (closed.isPresent()) {
      return closed;
    }
    Invoice open = openInvoice(org, period);
    boolean closedMonth = jdbc.sql("select 1 from closed_periods where period = :period").param("period", Date.valueOf(period.atDay(1)))
        .query(Integer.class).optional().isPresent();
    return open.lines().isEmpty() || closedMonth ? Optional.empty() : Optional.of(open);
  }

  private Invoice openInvoice(String org, YearMonth period) {
    List<Line> lines = lines(org, period, prices(org));
    return new Invoice(org, period, Status.OPEN, lines.stream().mapToLong(Line::amountMinor).sum(), currency, lines, null);
  }

  private Optional<Invoice> closedInvoice(String org, YearMonth period) {
    record Head(String currency, long total, Instant closedAt) {}
    return jdbc.sql("select currency, total_minor, closed_at from invoices where org_id = :org and period = :period")
        .param("org", org).param("period", Date.valueOf(period.atDay(1)))
        .query((rs, i) -> new Head(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant())).optional()
        .map(head -> new Invoice(org, period, Status.CLOSED, head.total(), head.currency(), jdbc.sql("""
            select project, resource, quantity, unit_price_minor, amount_minor, adjustment_for from invoice_lines
             where org_id = :org and period = :period order by line
            """).param("org", org).param("period", Date.valueOf(period.atDay(1))).query((rs, i) -> new Line(rs.getString(1),
                rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getDate(6) == null ? null : YearMonth.from(rs.getDate(6).toLocalDate()))).list(), head.closedAt()));
  }

  /** Lines per project, resource and (for late usage of a closed month) the month it was used in. */
  private List<Line> lines(String org, YearMonth period, Map<String, Long> prices) {
    record Sum(String project, String gpuType, Date usedIn, long gpuMs, long millicoreMs, long mibMs) {}
    List<Sum> sums = jdbc.sql("""
        select project, gpu_type, date_trunc('month', hour at time zone 'UTC')::date,
               sum(gpu_ms)::bigint, sum(millicore_ms)::bigint, sum(mib_ms)::bigint
          from usage_hourly where org_id = :org and billed_period = :period
         group by 1, 2, 3 order by 3 desc, 1, 2
        """).param("org", org).param("period", Date.valueOf(period.atDay(1)))
        .query((rs, i) -> new Sum(rs.getString(1), rs.getString(2), rs.getDate(3), rs.getLong(4), rs.getLong(5), rs.getLong(6))).list();
    record Key(String project, String resource, YearMonth adjustmentFor) {}
    Map<Key, Long> quantities = new LinkedHashMap<>();
    for (Sum sum : sums) {
      YearMonth usedIn = YearMonth.from(sum.usedIn().toLocalDate());
      YearMonth adjustment = usedIn.equals(period) ? null : usedIn;
      if (!sum.gpuType().isEmpty() && sum.gpuMs() > 0) {
        quantities.merge(new Key(sum.project(), "gpu:" + sum.gpuType(), adjustment), sum.gpuMs(), Long::sum);
      }
      quantities.merge(new Key(sum.project(), "cpu", adjustment), sum.millicoreMs(), Long::sum);
      quantities.merge(new Key(sum.project(), "memory", adjustment), sum.mibMs(), Long::sum);
    }
    List<Line> lines = new ArrayList<>();
    quantities.forEach((key, quantity) -> {
      if (quantity == 0) {
        return;
      }
      long price = Pricing.priceOf(key.resource(), prices);
      lines.add(new Line(key.project(), key.resource(), quantity, price, Pricing.amountMinor(key.resource(), quantity, price),
          key.adjustmentFor()));
    });
    return lines;
  }

  /**
   * Closes a month that is over, for every org: writes each invoice once, and from then on usage of
   * that month lands on the next open month's invoice as an adjustment. Repeating it changes nothing.
   */
  public Closing close(YearMonth period) {
    YearMonth current = Periods.of(clock.instant());
    if (!period.isBefore(current)) {
      return new Closing.NotOver(current);
    }
    return transactions.execute(status -> {
      jdbc.sql("select pg_advisory_xact_lock(:lock)").param("lock", Periods.CLOSING_LOCK)
          .query((rs, i) -> 1).single();
      Date month = Date.valueOf(period.atDay(1));
      int inserted = jdbc.sql("insert into closed_periods (period, closed_at) values (:period, :at) on conflict do nothing")
          .param("period", month).param("at", Timestamp.from(clock.instant())).update();
      if (inserted == 0) {
        return new Closing.AlreadyClosed();
      }
      List<String> orgs = jdbc.sql("select distinct org_id from usage_hourly where billed_period = :period order by 1")
          .param("period", month).query(String.class).list();
      for (String org : orgs) {
        List<Line> lines = lines(org, period, prices(org));
        jdbc.sql("insert into invoices (org_id, period, currency, total_minor, closed_at) values (:org, :period, :currency, :total, :at)")
            .param("org", org).param("period", month).param("currency", currency)
            .param("total", lines.stream().mapToLong(Line::amountMinor).sum()).param("at", Timestamp.from(clock.instant())).update();
        for (int i = 0; i < lines.size(); i++) {
          Line line = lines.get(i);
          jdbc.sql("""
              insert into invoice_lines (org_id, period, line, project, resource, quantity, unit_price_minor, amount_minor, adjustment_for)
              values (:org, :period, :line, :project, :resource, :quantity, :price, :amount, :adjustment)
              """).param("org", org).param("period", month).param("line", i + 1).param("project", line.project())
              .param("resource", line.resource()).param("quantity", line.quantity()).param("price", line.unitPriceMinor())
              .param("amount", line.amountMinor())
              .param("adjustment", line.adjustmentFor() == null ? null : Date.valueOf(line.adjustmentFor().atDay(1))).update();
        }
      }
      return new Closing.Closed(orgs.size());
    });
  }
}
