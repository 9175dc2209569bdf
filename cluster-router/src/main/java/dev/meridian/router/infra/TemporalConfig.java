package dev.meridian.router.infra;

import dev.meridian.router.execution.ExecutionActivities;
import dev.meridian.router.execution.ExecutionWorkflow;
import dev.meridian.router.execution.ExecutionWorkflowImpl;
import dev.meridian.tenancy.TenancyTemporal;
import io.temporal.client.WorkflowClient;
import dev.meridian.identity.ServiceTls;
import dev.meridian.identity.ServiceChannels;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

@Configuration(proxyBeanMethods = false)
class TemporalConfig {

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowServiceStubs(TemporalProperties properties, ServiceTls tls) {
    // Temporal, too, is reached with the router's service certificate (mutual TLS).
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(properties.target())
        .setSslContext(ServiceChannels.clientContext(tls)).build());
  }

  @Bean
  WorkflowClient workflowClient(WorkflowServiceStubs stubs, TemporalProperties properties) {
    return WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder()
        .setNamespace(properties.namespace())
        .setContextPropagators(List.of(new TenancyTemporal()))
        .build());
  }

  @Bean(destroyMethod = "shutdownNow")
  WorkerFactory workerFactory(WorkflowClient client, ExecutionActivities activities, TemporalProperties properties) {
    var sizes = properties.worker();
    WorkerFactory factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder()
        .setWorkflowCacheSize(sizes.cachedExecutions())
        .setMaxWorkflowThreadCount(sizes.workflowThreads())
        .build());
    Worker worker = factory.newWorker(ExecutionWorkflow.TASK_QUEUE, WorkerOptions.newBuilder()
        // Temporal's test server never times out a dead worker's sticky queue: without this a
        // workflow hangs forever after its worker crashed.
        .setStickyQueueScheduleToStartTimeout(Duration.ZERO)
        // The deadlock detector fails a workflow task whose code holds the thread for over 1 s by
        // default. On a host starved of CPU (10,000 launches at once on two cores) an execution's
        // first task took that long without any blocking in it; the failed task was never retried
        // and 29 of 10,000 executions sat QUEUED (the stall watchdog flagged them). Our workflow
        // code never blocks, so only a much longer hold means a bug.
        .setDefaultDeadlockDetectionTimeout(Duration.ofSeconds(10).toMillis())
        .setMaxConcurrentWorkflowTaskExecutionSize(sizes.concurrentWorkflowTasks())
        .setMaxConcurrentActivityExecutionSize(sizes.concurrentActivities())
        .setMaxConcurrentLocalActivityExecutionSize(sizes.concurrentLocalActivities())
        .build());
    worker.registerWorkflowImplementationTypes(ExecutionWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
    return factory;
  }

  /** Workers poll only once everything they call (database, Kafka, the agent stream) is up. */
  @EventListener(ApplicationReadyEvent.class)
  void startWorkers(ApplicationReadyEvent event) {
    event.getApplicationContext().getBean(WorkerFactory.class).start();
  }
}
