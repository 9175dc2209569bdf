package dev.meridian.billing.usage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an interval at hour boundaries, so each piece lands in its own hour. Both ends are first
 * cut to the millisecond, as the router's reconciliation counts: the pieces add up exactly to the
 * whole.
 */
public final class HourSplit {

  private HourSplit() {}

  /** One hour's share of an interval: the hour it starts, and how many milliseconds fall in it. */
  public record Piece(Instant hour, long millis) {}

  public static List<Piece> of(Instant start, Instant end) {
    Instant from = start.truncatedTo(ChronoUnit.MILLIS);
    Instant to = end.truncatedTo(ChronoUnit.MILLIS);
    List<Piece> pieces = new ArrayList<>();
    while (from.isBefore(to)) {
      Instant hour = from.truncatedTo(ChronoUnit.HOURS);
      Instant next = hour.plus(1, ChronoUnit.HOURS);
      Instant until = next.isBefore(to) ? next : to;
      pieces.add(new Piece(hour, until.toEpochMilli() - from.toEpochMilli()));
      from = until;
    }
    return pieces;
  }
}
