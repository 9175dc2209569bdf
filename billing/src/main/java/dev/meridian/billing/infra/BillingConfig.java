package dev.meridian.billing.infra;

import com.google.protobuf.Timestamp;
import dev.meridian.billing.invoice.Invoices;
import dev.meridian.billing.reconcile.Reconciliation;
import dev.meridian.billing.usage.UsageLedger;
import dev.meridian.identity.ServiceCallers;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.billing.v1.BillingGrpc;
import dev.meridian.proto.router.v1.MeteredTotalsRequest;
import dev.meridian.proto.router.v1.MeteringGrpc;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Billing's parts, and who may call it: over mutual TLS with the deployment CA (application.yaml),
 * the gateway only. Billing calls the router's Metering service as "billing".
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServiceTls.class)
class BillingConfig {

  @Bean
  @GlobalServerInterceptor
  @Order(0)
  ServerInterceptor internalCallers() {
    return ServiceCallers.only(Set.of("gateway"), Map.of(BillingGrpc.SERVICE_NAME, Set.of("gateway")));
  }

  @Bean
  @GlobalServerInterceptor
  @Order(1)
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  UsageLedger usageLedger(JdbcClient jdbc, JdbcTemplate template, TransactionTemplate transactions) {
    return new UsageLedger(jdbc, template, transactions);
  }

  @Bean
  UsageIngest usageIngest(KafkaProperties kafka, BillingProperties properties, UsageLedger ledger, Clock clock, MeterRegistry meters) {
    return new UsageIngest(kafka.buildConsumerProperties(), properties.topic(), ledger, clock, meters);
  }

  @Bean
  Invoices invoices(JdbcClient jdbc, TransactionTemplate transactions, Clock clock, BillingProperties properties) {
    return new Invoices(jdbc, transactions, clock, properties.currency());
  }

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel routerChannel(BillingProperties properties, ServiceTls tls) {
    return ServiceChannels.toService(properties.router(), tls);
  }

  @Bean
  Reconciliation reconciliation(ManagedChannel routerChannel, UsageLedger ledger, Clock clock, BillingProperties properties,
      MeterRegistry meters) {
    MeteringGrpc.MeteringBlockingStub metering = MeteringGrpc.newBlockingStub(routerChannel);
    Reconciliation.Metered router = (from, before) -> {
      Map<String, Map<String, Long>> totals = new TreeMap<>();
      metering.withDeadlineAfter(30, TimeUnit.SECONDS).meteredTotals(MeteredTotalsRequest.newBuilder().setEndedFrom(timestamp(from))
          .setEndedBefore(timestamp(before)).build()).getTotalsList().forEach(total ->
          totals.computeIfAbsent(total.getOrg(), org -> new TreeMap<>()).put(total.getGpuType(), total.getGpuMs()));
      return totals;
    };
    return new Reconciliation(router, ledger, clock, properties.reconcileWindow(), properties.reconcileSettle(), meters);
  }

  @Bean
  ReconciliationSchedule reconciliationSchedule(Reconciliation reconciliation) {
    return new ReconciliationSchedule(reconciliation);
  }

  /** Runs the reconciliation on a schedule; a failed run (router unreachable) is logged and tried again. */
  static final class ReconciliationSchedule {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReconciliationSchedule.class);
    private final Reconciliation reconciliation;

    ReconciliationSchedule(Reconciliation reconciliation) {
      this.reconciliation = reconciliation;
    }

    @Scheduled(fixedDelayString = "${meridian.billing.reconcile-every:1m}", initialDelayString = "${meridian.billing.reconcile-every:1m}")
    void reconcile() {
      try {
        reconciliation.run();
      } catch (RuntimeException e) {
        log.warn("reconciliation did not run: {}", e.toString());
      }
    }
  }

  static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
