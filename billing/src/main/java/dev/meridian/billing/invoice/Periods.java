package dev.meridian.billing.invoice;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Set;

/** Billing months (UTC), and which invoice carries usage of a given hour. */
public final class Periods {

  private Periods() {}

  /**
   * The PostgreSQL advisory lock that keeps closing a month and storing usage apart: every ingest
   * holds it shared, closing holds it alone, so no record lands in a month while it closes.
   */
  public static final long CLOSING_LOCK = 0x6d65746572L;

  public static YearMonth of(Instant at) {
    return YearMonth.from(at.atOffset(ZoneOffset.UTC));
  }

  /**
   * The month whose invoice carries usage of {@code hour}: its own month while that is open; once
   * closed, the first open month after it, where the usage is an adjustment.
   */
  public static YearMonth billedIn(Instant hour, Set<YearMonth> closed) {
    YearMonth month = of(hour);
    while (closed.contains(month)) {
      month = month.plusMonths(1);
    }
    return month;
  }
}
