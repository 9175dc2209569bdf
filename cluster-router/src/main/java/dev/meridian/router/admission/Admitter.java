package dev.meridian.router.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs admission passes: one org at a time per org, under the org's database lock, with the pure
 * {@link AdmissionPolicy} deciding. Anything that may free or need quota (a request, a release, a
 * quota change) asks for a pass; requests that arrive while one runs are served by the next, so a
 * burst costs one pass, not one per request. Whoever waits is woken the moment its request is
 * admitted: a caller still inside {@link #request} directly, a workflow by signal.
 */
@Component
public class Admitter {

  private static final Logger log = LoggerFactory.getLogger(Admitter.class);
  /** How long {@link #request} waits for a pass before the caller falls back to waiting for a wake-up. */
  static final long WAIT_MILLIS = 2_000;

  private final AdmissionLedger ledger;
  private final QuotaCache quotas;
  private final TransactionTemplate transactions;
  private final Wakeups wakeups;
  private final AdmissionProperties properties;
  private final ExecutorService passes = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("admission-", 0).factory());
  private final Map<String, OrgPasses> orgs = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();
  private final Timer passTimer;
  private final Counter admittedCount;
  private final Counter releasedCount;
  private final MultiGauge queueDepth;

  Admitter(AdmissionLedger ledger, QuotaCache quotas, TransactionTemplate transactions, Wakeups wakeups,
      AdmissionProperties properties, MeterRegistry meters) {
    this.ledger = ledger;
    this.quotas = quotas;
    this.transactions = transactions;
    this.wakeups = wakeups;
    this.properties = properties;
    this.passTimer = Timer.builder("meridian.router.admission.pass").description("one admission pass over an org's queue")
        .publishPercentileHistogram().register(meters);
    this.admittedCount = meters.counter("meridian.router.admission.admitted");
    this.releasedCount = meters.counter("meridian.router.admission.released");
    this.queueDepth = MultiGauge.builder("meridian.router.admission.queued").description("requests waiting for quota, per org")
        .register(meters);
  }

  /** At most one pass per org runs; a pass asked for while one runs happens right after it, once. */
  private final class OrgPasses {
    private final String org;
    private CompletableFuture<Void> next;
    private boolean running;

    OrgPasses(String org) {
      this.org = org;
    }

    synchronized CompletableFuture<Void> ask() {
      if (next == null) {
        next = new CompletableFuture<>();
      }
      CompletableFuture<Void> done = next;
      if (!running) {
        running = true;
        passes.execute(this::drain);
      }
      return done;
    }

    private void drain() {
      while (true) {
        CompletableFuture<Void> current;
        synchronized (this) {
          current = next;
          next = null;
          if (current == null) {
            running = false;
            return;
          }
        }
        try {
          if (pass(org)) {
            ask();
          }
          current.complete(null);
        } catch (RuntimeException e) {
          log.warn("admission pass for org {} failed; the next one retries: {}", org, e.toString());
          current.completeExceptionally(e);
        }
      }
    }
  }

  /** Asks for a pass over the org's queue; the future completes when one that started after this call ended. */
  public CompletableFuture<Void> wake(String org) {
    return orgs.computeIfAbsent(org, OrgPasses::new).ask();
  }

  /**
   * Queues the request (once, however often this is called) and waits briefly for a pass. True when
   * it is admitted; otherwise the caller is woken through {@link Wakeups} once it is.
   */
  public boolean request(AdmissionLedger.Entry entry) {
    String key = key(entry.org(), entry.requestId());
    CompletableFuture<Void> admitted = new CompletableFuture<>();
    waiters.put(key, admitted);
    try {
      if (ledger.enqueue(entry, "waiting for its admission pass")) {
        return true;
      }
      wake(entry.org());
      admitted.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException stillWaiting) {
      // Fall through: the ledger has the final word.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiters.remove(key, admitted);
    }
    // A pass that admitted it after the wait ended found no waiter and wakes the workflow instead.
    return ledger.isAdmitted(entry.org(), entry.requestId());
  }

  /** Frees a reservation or leaves the queue; serves the queue at once if something was freed. */
  public void release(String org, String requestId) {
    if (ledger.release(org, requestId)) {
      released(org, 1);
    }
  }

  /** Counts releases the caller made in its own transaction and serves the queue. */
  public void released(String org, int count) {
    if (count > 0) {
      releasedCount.increment(count);
      wake(org);
    }
  }

  /** One pass. True when a project's whole window was admitted, so more may fit: the caller runs another. */
  boolean pass(String org) {
    long started = System.nanoTime();
    QuotaCache.Limits limits = quotas.of(org);
    int window = properties.headsPerProject();
    record Result(List<AdmissionLedger.Admitted> admitted, boolean more) {}
    Result result = transactions.execute(tx -> {
      ledger.lock(org);
      List<AdmissionLedger.Entry> heads = ledger.heads(org, window);
      if (heads.isEmpty()) {
        return new Result(List.of(), false);
      }
      Map<String, AdmissionLedger.Entry> byId = new HashMap<>();
      List<AdmissionPolicy.Request> requests = new ArrayList<>(heads.size());
      Map<String, Integer> perProject = new HashMap<>();
      for (AdmissionLedger.Entry head : heads) {
        byId.put(head.requestId(), head);
        requests.add(new AdmissionPolicy.Request(head.requestId(), head.project(), head.priority(), head.readyAt().toEpochMilli(),
            head.demand()));
        perProject.merge(head.project(), 1, Integer::sum);
      }
      var verdicts = AdmissionPolicy.decide(new AdmissionPolicy.Snapshot(limits.org(), limits.projects(), ledger.usage(org)), requests);
      List<String> admit = new ArrayList<>();
      Map<String, String> reasons = new HashMap<>();
      Map<String, Integer> admittedPerProject = new HashMap<>();
      for (AdmissionPolicy.Verdict verdict : verdicts) {
        switch (verdict) {
          case AdmissionPolicy.Admit a -> {
            admit.add(a.requestId());
            admittedPerProject.merge(byId.get(a.requestId()).project(), 1, Integer::sum);
          }
          case AdmissionPolicy.Wait w -> reasons.put(w.requestId(), w.reason());
        }
      }
      ledger.admit(org, admit);
      ledger.explain(org, reasons);
      boolean more = perProject.entrySet().stream().anyMatch(e -> e.getValue() == window && admittedPerProject.getOrDefault(e.getKey(), 0) == window);
      return new Result(admit.stream().map(id -> new AdmissionLedger.Admitted(org, id, byId.get(id).executionId())).toList(), more);
    });
    passTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    admittedCount.increment(result.admitted().size());
    for (AdmissionLedger.Admitted admitted : result.admitted()) {
      CompletableFuture<Void> waiter = waiters.get(key(org, admitted.requestId()));
      if (waiter != null) {
        waiter.complete(null);
      } else {
        passes.execute(() -> deliver(admitted));
      }
    }
    return result.more();
  }

  /** Three tries a second apart; after that the workflow's own re-check (or a restart's redelivery) finds it. */
  private void deliver(AdmissionLedger.Admitted admitted) {
    for (int attempt = 1; ; attempt++) {
      try {
        if (!wakeups.wake(admitted)) {
          log.info("execution {} is gone; releasing what it was admitted for ({})", admitted.executionId(), admitted.requestId());
          release(admitted.org(), admitted.requestId());
        }
        return;
      } catch (RuntimeException e) {
        if (attempt == 3) {
          log.warn("could not wake execution {} for {}; its workflow asks again later: {}", admitted.executionId(),
              admitted.requestId(), e.toString());
          return;
        }
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Every org with queued work gets a pass now and then: quota changes and missed wake-ups are
   * picked up. The queue depth of each org is published as {@code meridian.router.admission.queued}.
   */
  @Scheduled(fixedDelayString = "${meridian.router.admission.sweep-interval:2s}", initialDelayString = "${meridian.router.admission.sweep-interval:2s}")
  void sweep() {
    Map<String, Integer> depths = ledger.queueDepths();
    queueDepth.register(depths.entrySet().stream()
        .map(depth -> MultiGauge.Row.of(Tags.of("org", depth.getKey()), depth.getValue())).toList(), true);
    depths.keySet().forEach(this::wake);
  }

  /** A restarted router wakes the workflows whose admission it may have decided but not delivered before it stopped. */
  @EventListener(ApplicationReadyEvent.class)
  void redeliver() {
    List<AdmissionLedger.Admitted> pending = ledger.admittedNotStarted();
    if (!pending.isEmpty()) {
      log.info("waking {} admitted requests whose workflows may not have heard of it", pending.size());
      pending.forEach(admitted -> passes.execute(() -> deliver(admitted)));
    }
    sweep();
  }

  private static String key(String org, String requestId) {
    return org + "\u0000" + requestId;
  }
}
