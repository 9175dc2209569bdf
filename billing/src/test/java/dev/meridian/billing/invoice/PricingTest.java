package dev.meridian.billing.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PricingTest {

  @Test
  void anHourOfAGpuCostsItsPrice() {
    assertThat(Pricing.amountMinor("gpu:nvidia-h100", 3_600_000, 250)).isEqualTo(250);
  }

  @Test
  void coresAndGibibytesAreCountedInMilliUnits() {
    // 2 cores (2,000 millicores) for an hour at 4 per core-hour; 1 GiB (1,024 MiB) for an hour at 1.
    assertThat(Pricing.amountMinor("cpu", 2_000L * 3_600_000, 4)).isEqualTo(8);
    assertThat(Pricing.amountMinor("memory", 1_024L * 3_600_000, 1)).isEqualTo(1);
  }

  @Test
  void oneRoundingHalfToEvenPerLine() {
    // 18 minutes at 250 per hour is 75; 1 ms at 1,800,000 per hour is 0.5 -> 0; 3 ms is 1.5 -> 2.
    assertThat(Pricing.amountMinor("gpu:a", 1_080_000, 250)).isEqualTo(75);
    assertThat(Pricing.amountMinor("gpu:a", 1, 1_800_000)).isZero();
    assertThat(Pricing.amountMinor("gpu:a", 3, 1_800_000)).isEqualTo(2);
  }

  @Test
  void largeQuantitiesDoNotOverflow() {
    long aYearOfAThousandGpus = 1_000L * 365 * 24 * 3_600_000;
    assertThat(Pricing.amountMinor("gpu:a", aYearOfAThousandGpus, 400_000)).isEqualTo(1_000L * 365 * 24 * 400_000);
  }

  @Test
  void aGpuTypeWithoutAPriceOfItsOwnTakesTheCatchAllAndOrgPricesWin() {
    assertThat(Pricing.priceOf("gpu:nvidia-t4", Map.of("gpu:*", 250L))).isEqualTo(250);
    assertThat(Pricing.priceOf("gpu:nvidia-t4", Map.of("gpu:*", 250L, "gpu:nvidia-t4", 90L))).isEqualTo(90);
    assertThat(Pricing.priceOf("cpu", Map.of())).isZero();
  }

  @Test
  void unknownResourcesAreRefused() {
    assertThatThrownBy(() -> Pricing.scale("disk")).hasMessageContaining("gpu:<type>, cpu or memory");
  }
}
