package dev.meridian.router.admission;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * How fast each org's queued executions start, to tell a client refused for a full queue when a
 * retry is likely to find room: one and a half times the mean gap between the starts of the last
 * minute, at least one second, at most a minute; ten seconds while fewer than two started (one
 * start says nothing about the gap to the next).
 */
@Component
public class QueueDrain {

  static final Duration WINDOW = Duration.ofMinutes(1);
  static final Duration UNKNOWN = Duration.ofSeconds(10);

  private final Map<String, Deque<Instant>> starts = new ConcurrentHashMap<>();
  private final Clock clock;

  public QueueDrain(Clock clock) {
    this.clock = clock;
  }

  /** An execution of the org left the queue. */
  public void started(String org) {
    Deque<Instant> recent = starts.computeIfAbsent(org, o -> new ArrayDeque<>());
    synchronized (recent) {
      Instant now = clock.instant();
      recent.addLast(now);
      prune(recent, now);
    }
  }

  public Duration retryAfter(String org) {
    Deque<Instant> recent = starts.get(org);
    if (recent == null) {
      return UNKNOWN;
    }
    Instant now = clock.instant();
    synchronized (recent) {
      prune(recent, now);
      if (recent.size() < 2) {
        return UNKNOWN;
      }
      long gapMillis = Duration.between(recent.getFirst(), recent.getLast()).toMillis() / (recent.size() - 1);
      long seconds = (long) Math.ceil(gapMillis * 1.5 / 1000.0);
      return Duration.ofSeconds(Math.clamp(seconds, 1, WINDOW.toSeconds()));
    }
  }

  private static void prune(Deque<Instant> recent, Instant now) {
    while (!recent.isEmpty() && recent.getFirst().isBefore(now.minus(WINDOW))) {
      recent.removeFirst();
    }
  }
}
