package dev.meridian.router.infra;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param target host:port of the Temporal frontend
 * @param worker how much execution work one router takes on at once
 */
@Validated
@ConfigurationProperties("meridian.router.temporal")
record TemporalProperties(@NotBlank String target, String namespace, Worker worker) {
  TemporalProperties {
    namespace = namespace == null || namespace.isBlank() ? "meridian" : namespace;
    worker = worker == null ? new Worker(0, 0, 0, 0, 0) : worker;
  }

  /**
   * Sizes of the router's Temporal worker (0: the default named). An execution holds one workflow
   * thread while cached, whatever its size (ADR 0007), so the thread count bounds the executions kept
   * in memory; one evicted from the cache is replayed from its (bounded) history on its next event.
   *
   * @param cachedExecutions executions kept in memory between their events (default 1,000)
   * @param workflowThreads workflow threads (default cachedExecutions + 200, for the executions being replayed)
   * @param concurrentWorkflowTasks workflow tasks handled at once (default 50)
   * @param concurrentActivities dispatches and cancels in progress at once (default 200)
   * @param concurrentLocalActivities read-model and ledger writes in progress at once (default 20: twice the database pool)
   */
  record Worker(int cachedExecutions, int workflowThreads, int concurrentWorkflowTasks, int concurrentActivities,
      int concurrentLocalActivities) {
    Worker {
      cachedExecutions = cachedExecutions > 0 ? cachedExecutions : 1_000;
      workflowThreads = workflowThreads > 0 ? workflowThreads : cachedExecutions + 200;
      concurrentWorkflowTasks = concurrentWorkflowTasks > 0 ? concurrentWorkflowTasks : 50;
      concurrentActivities = concurrentActivities > 0 ? concurrentActivities : 200;
      concurrentLocalActivities = concurrentLocalActivities > 0 ? concurrentLocalActivities : 20;
    }
  }
}
