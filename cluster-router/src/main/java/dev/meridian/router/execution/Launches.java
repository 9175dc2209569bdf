package dev.meridian.router.execution;

import dev.meridian.router.admission.QueueDrain;
import dev.meridian.router.admission.QuotaCache;
import dev.meridian.router.agent.Fleet;
import dev.meridian.router.placement.ClusterView;
import dev.meridian.router.placement.PlacementPolicy;
import dev.meridian.tenancy.TenantContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Launching an execution, free of gRPC: idempotency, placeability, the org's queue limit, the
 * read-model row and the workflow start (through the outbox, ADR 0008). Every way it can end is an
 * {@link Outcome} the caller must handle.
 */
@Service
class Launches {

  private static final Logger log = LoggerFactory.getLogger(Launches.class);

  /** What a launch asks for. {@code planFor} builds the execution's plan once its id is known. */
  record Launch(String org, String project, String domain, String workflowName, String workflowVersion, String launchPlan,
      String inputsJson, String idempotencyKey, String requestHash, Function<String, Plan> planFor) {}

  sealed interface Outcome {
    /** Created now, {@code QUEUED}; its workflow is started (or will be, by the outbox). */
    record Created(ExecutionStore.ExecutionRow execution) implements Outcome {}
    /** The idempotency key was used before for the same request: that execution. */
    record Replayed(ExecutionStore.ExecutionRow execution) implements Outcome {}
    /** The idempotency key was used before for a different request. */
    record IdempotencyConflict(String message) implements Outcome {}
    /** No cluster of the org could ever run {@code node}. Nothing was created. */
    record Unplaceable(String node, String reason) implements Outcome {}
    /** The org or project has as many queued executions as its quota allows. Nothing was created. */
    record QueueFull(String reason, Duration retryAfter) implements Outcome {}
    /** The org's quotas cannot be read now. Nothing was created. */
    record QuotasUnavailable(String message) implements Outcome {}
  }

  private final ExecutionStore store;
  private final TransactionTemplate transactions;
  private final PendingStarts pending;
  private final Function<String, List<ClusterView>> clusters;
  private final Function<String, QuotaCache.Limits> quotas;
  private final QueueDrain drain;

  @Autowired
  Launches(ExecutionStore store, TransactionTemplate transactions, PendingStarts pending, Fleet fleet, QuotaCache quotas,
      QueueDrain drain) {
    this(store, transactions, pending, fleet::views, quotas::of, drain);
  }

  /** {@code clusters}: the org's clusters as placement sees them; {@code quotas} may throw {@link QuotaCache.Unavailable}. */
  Launches(ExecutionStore store, TransactionTemplate transactions, PendingStarts pending, Function<String, List<ClusterView>> clusters,
      Function<String, QuotaCache.Limits> quotas, QueueDrain drain) {
    this.store = store;
    this.transactions = transactions;
    this.pending = pending;
    this.clusters = clusters;
    this.quotas = quotas;
    this.drain = drain;
  }

  /**
   * The read-model row and a pending start are inserted in one short transaction; the workflow is
   * started after it committed, outside any lock. A crash between the two leaves the start pending,
   * and the sweeper (or a retry with the same idempotency key, whose execution id is derived from the
   * key) starts it.
   */
  Outcome launch(Launch launch) {
    String key = launch.idempotencyKey();
    if (key != null) {
      var existing = store.findByIdempotencyKey(launch.org(), key);
      if (existing.isPresent()) {
        return replay(launch, existing.get());
      }
    }
    String id = key == null ? ExecutionIds.random() : ExecutionIds.of(launch.org(), key);
    Plan plan = launch.planFor().apply(id);
    var views = clusters.apply(launch.org());
    for (Plan.Node node : plan.nodes()) {
      var impossible = PlacementPolicy.impossible(plan.taskOf(node).resources(), plan.clusterLabels(), views);
      if (impossible.isPresent()) {
        return new Outcome.Unplaceable(node.id(), impossible.get().reason());
      }
    }
    QuotaCache.Limits limits;
    try {
      limits = quotas.apply(launch.org());
    } catch (QuotaCache.Unavailable e) {
      return new Outcome.QuotasUnavailable(e.getMessage());
    }
    Outcome outcome;
    try (var execution = TenantContext.ofExecution(launch.org(), id).open()) {
      // Read back inside the transaction: the answer shows the execution as created (QUEUED), not as
      // whatever the already-running workflow made of it a moment later.
      outcome = transactions.execute(status -> {
        Optional<Outcome.QueueFull> full = queueFull(launch, limits);
        if (full.isPresent()) {
          return full.get();
        }
        store.insertExecution(launch.org(), id, launch.project(), launch.domain(), launch.workflowName(), launch.workflowVersion(),
            launch.launchPlan(), launch.inputsJson(), key, launch.requestHash(), plan.nodes().stream().map(Plan.Node::id).toList());
        pending.record(plan);
        return new Outcome.Created(store.find(launch.org(), launch.project(), launch.domain(), id).orElseThrow());
      });
    } catch (DuplicateKeyException raced) {
      // A concurrent request with the same key won; answer as a replay would.
      return replay(launch, store.findByIdempotencyKey(launch.org(), key).orElseThrow());
    }
    if (outcome instanceof Outcome.Created) {
      pending.start(plan);
      log.info("started execution {} of {}:{}", id, launch.workflowName(), launch.workflowVersion());
    }
    return outcome;
  }

  private Outcome replay(Launch launch, ExecutionStore.ExecutionRow existing) {
    if (!existing.requestHash().equals(launch.requestHash())) {
      return new Outcome.IdempotencyConflict("Idempotency-Key '" + launch.idempotencyKey() + "' was used for a different request (execution "
          + existing.id() + ")");
    }
    pending.startIfPending(launch.org(), existing.id());
    return new Outcome.Replayed(existing);
  }

  /**
   * Refuses a launch when the org or the project already has as many queued executions as its quota
   * allows. Checked under the org's lock in the creating transaction, so concurrent launches cannot
   * both take the last place; the transaction holds it for a count and an insert, never across a
   * call to another service.
   */
  private Optional<Outcome.QueueFull> queueFull(Launch launch, QuotaCache.Limits limits) {
    Integer projectLimit = limits.maxQueuedByProject().get(launch.project());
    if (limits.maxQueuedExecutions() == null && projectLimit == null) {
      return Optional.empty();
    }
    store.lockQueue(launch.org());
    String reason = null;
    if (limits.maxQueuedExecutions() != null && store.countQueued(launch.org(), null) >= limits.maxQueuedExecutions()) {
      reason = "org '" + launch.org() + "' already has " + limits.maxQueuedExecutions()
          + " queued executions, as many as its quota allows (maxQueuedExecutions)";
    } else if (projectLimit != null && store.countQueued(launch.org(), launch.project()) >= projectLimit) {
      reason = "project '" + launch.project() + "' already has " + projectLimit
          + " queued executions, as many as its quota allows (maxQueuedExecutions)";
    }
    return reason == null ? Optional.empty() : Optional.of(new Outcome.QueueFull(reason, drain.retryAfter(launch.org())));
  }

  /** Short, URL-safe, lower-case execution ids: {@code x} and 18 base-32 characters of a SHA-256. */
  static final class ExecutionIds {

    private ExecutionIds() {}

    static String random() {
      return of(UUID.randomUUID().toString());
    }

    /** The id of the org's launch with this idempotency key: the same key always names the same execution. */
    static String of(String org, String idempotencyKey) {
      return of(org + "\u0000" + idempotencyKey);
    }

    private static String of(String seed) {
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder id = new StringBuilder("x");
        for (int i = 0; i < 18; i++) {
          id.append(alphabet.charAt((digest[i] & 0xff) % 32));
        }
        return id.toString();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
