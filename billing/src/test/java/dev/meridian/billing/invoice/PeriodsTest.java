package dev.meridian.billing.invoice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.YearMonth;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeriodsTest {

  @Test
  void usageOfAnOpenMonthIsBilledInThatMonth() {
    assertThat(Periods.billedIn(Instant.parse("2026-11-30T23:00:00Z"), Set.of())).isEqualTo(YearMonth.of(2026, 11));
  }

  @Test
  void lateUsageOfAClosedMonthIsAnAdjustmentOnTheNextOpenOne() {
    Set<YearMonth> closed = Set.of(YearMonth.of(2026, 10), YearMonth.of(2026, 11));

    assertThat(Periods.billedIn(Instant.parse("2026-10-31T23:00:00Z"), closed)).isEqualTo(YearMonth.of(2026, 12));
    assertThat(Periods.billedIn(Instant.parse("2026-11-15T08:00:00Z"), closed)).isEqualTo(YearMonth.of(2026, 12));
  }

  @Test
  void monthsAreUtc() {
    assertThat(Periods.of(Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo(YearMonth.of(2026, 12));
    assertThat(Periods.of(Instant.parse("2026-11-30T23:59:59.999Z"))).isEqualTo(YearMonth.of(2026, 11));
  }
}
