package dev.meridian.billing.reconcile;

import dev.meridian.billing.usage.UsageLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares what billing counted with what the router metered: GPU-milliseconds per org and GPU
 * type of the records that ended in a window that closed {@code settle} ago (time for the last
 * records to arrive). Any difference is a bug or a loss; it is logged per org and kept as the
 * gauge {@code meridian.billing.reconciliation.difference} (GPU-ms, summed over orgs).
 */
public class Reconciliation {

  private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);

  /** The router's side: GPU-ms per org and GPU type of its records that ended in [from, before). */
  public interface Metered {
    Map<String, Map<String, Long>> gpuMsEnded(Instant from, Instant before);
  }

  /** One comparison: the window and every org and GPU type whose totals differ (billing minus router). */
  public record Result(Instant from, Instant before, Map<String, Map<String, Long>> differences) {
    public long total() {
      return differences.values().stream().flatMap(byType -> byType.values().stream()).mapToLong(Math::abs).sum();
    }
  }

  private final Metered router;
  private final UsageLedger ledger;
  private final Clock clock;
  private final Duration window;
  private final Duration settle;
  private final AtomicLong difference = new AtomicLong();

  public Reconciliation(Metered router, UsageLedger ledger, Clock clock, Duration window, Duration settle, MeterRegistry meters) {
    this.router = router;
    this.ledger = ledger;
    this.clock = clock;
    this.window = window;
    this.settle = settle;
    Gauge.builder("meridian.billing.reconciliation.difference", difference, AtomicLong::get)
        .description("GPU-milliseconds counted by billing minus metered by the router, absolute, summed over orgs").register(meters);
  }

  public Result run() {
    Instant before = clock.instant().minus(settle);
    Instant from = before.minus(window);
    Map<String, Map<String, Long>> metered = router.gpuMsEnded(from, before);
    Map<String, Map<String, Long>> counted = ledger.gpuMsEnded(from, before);
    Result result = new Result(from, before, differences(counted, metered));
    difference.set(result.total());
    result.differences().forEach((org, byType) -> log.warn("reconciliation: org {} GPU-ms counted by billing minus metered by the router "
        + "for records ended in [{}, {}): {}", org, from, before, byType));
    return result;
  }

  /** Pure: counted minus metered, per org and GPU type, only where they differ. */
  static Map<String, Map<String, Long>> differences(Map<String, Map<String, Long>> counted, Map<String, Map<String, Long>> metered) {
    Map<String, Map<String, Long>> differences = new TreeMap<>();
    Set<String> orgs = new TreeSet<>(counted.keySet());
    orgs.addAll(metered.keySet());
    for (String org : orgs) {
      Map<String, Long> ours = counted.getOrDefault(org, Map.of());
      Map<String, Long> theirs = metered.getOrDefault(org, Map.of());
      Set<String> types = new TreeSet<>(ours.keySet());
      types.addAll(theirs.keySet());
      for (String type : types) {
        long delta = ours.getOrDefault(type, 0L) - theirs.getOrDefault(type, 0L);
        if (delta != 0) {
          differences.computeIfAbsent(org, o -> new TreeMap<>()).put(type, delta);
        }
      }
    }
    return differences;
  }
}
