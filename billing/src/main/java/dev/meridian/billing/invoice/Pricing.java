package dev.meridian.billing.invoice;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Money from usage: integers all the way, one rounding (half even) per priced line. Prices are minor
 * units of the currency per unit-hour: per GPU-hour of a type, per core-hour, per GiB-hour.
 */
public final class Pricing {

  private Pricing() {}

  private static final long MS_PER_HOUR = 3_600_000L;

  /** How many milli-units of a resource's quantity make one unit. */
  public static long scale(String resource) {
    return switch (resource) {
      case "cpu" -> 1_000L;
      case "memory" -> 1_024L;
      default -> {
        if (!resource.startsWith("gpu:")) {
          throw new IllegalArgumentException("no such resource: " + resource + " (gpu:<type>, cpu or memory)");
        }
        yield 1L;
      }
    };
  }

  public static String unit(String resource) {
    return switch (resource) {
      case "cpu" -> "core-hours";
      case "memory" -> "GiB-hours";
      default -> "gpu-hours";
    };
  }

  /** {@code quantity} (GPU-ms, millicore-ms or MiB-ms) of {@code resource} at {@code unitPriceMinor} per unit-hour. */
  public static long amountMinor(String resource, long quantity, long unitPriceMinor) {
    BigInteger numerator = BigInteger.valueOf(quantity).multiply(BigInteger.valueOf(unitPriceMinor));
    BigInteger denominator = BigInteger.valueOf(MS_PER_HOUR).multiply(BigInteger.valueOf(scale(resource)));
    return new BigDecimal(numerator).divide(new BigDecimal(denominator), 0, RoundingMode.HALF_EVEN).longValueExact();
  }

  /** The quantity in unit-hours, to six places, for people to read. */
  public static String hours(String resource, long quantity) {
    return BigDecimal.valueOf(quantity).divide(BigDecimal.valueOf(MS_PER_HOUR * scale(resource)), 6, RoundingMode.HALF_EVEN)
        .toPlainString();
  }

  /** The price of {@code resource}: the org's own, else a GPU type's catch-all, else nothing (free). */
  public static long priceOf(String resource, Map<String, Long> prices) {
    Long price = prices.get(resource);
    if (price == null && resource.startsWith("gpu:")) {
      price = prices.get("gpu:*");
    }
    return price == null ? 0 : price;
  }
}
