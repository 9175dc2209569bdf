package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * API.md §Usage and billing through the public API: GPU work on simulated clusters is metered
 * from the router's reservations, counted once by billing, priced and invoiced; the metered
 * totals reconcile with the router's to the millisecond; admins read it, members may not, another
 * org sees nothing.
 */
@ExtendWith(LocalStackExtension.class)
class BillingE2E {

  private static final long PRICE_PER_GPU_HOUR = 400_000;

  private final List<String> agents = new ArrayList<>();
  private LocalStack stack;

  @AfterEach
  void stopAgents() {
    agents.forEach(name -> stack.stopAgent(name));
  }

  private static String usage(LocalStackExtension.Tenant tenant) {
    return "/api/v1/orgs/" + tenant.org() + "/usage";
  }

  @Test
  void gpuWorkIncludingAFailedOverAttemptIsMeteredOncePricedInvoicedAndReconciled(LocalStackExtension.Tenant tenant) {
    stack = tenant.stack();
    var price = stack.operatorClient().put("/api/v1/operator/prices/gpu:nvidia-h100",
        Map.of("unitPriceMinor", PRICE_PER_GPU_HOUR, "org", tenant.org()));
    assertThat(price.status()).as(price.body().toString()).isEqualTo(200);
    assertThat(tenant.api().put("/api/v1/orgs/" + tenant.org() + "/quota", Map.of("gpus", Map.of("nvidia-h100", 4))).status())
        .isEqualTo(200);
    QuotaE2E.simulatedCluster(tenant, agents, "doomed", 2, Duration.ofSeconds(20));
    QuotaE2E.registerGpuFan(tenant, tenant.scope(), 2);

    // Both attempts start on "doomed"; its agent dies; they are declared lost and run again on "spare".
    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "fan", "version", "1")));
    await().atMost(Duration.ofSeconds(60)).until(() -> tenant.api().get(tenant.execution(id)).body().get("nodes").valueStream()
        .allMatch(node -> node.get("phase").asString().equals("RUNNING")));
    QuotaE2E.simulatedCluster(tenant, agents, "spare", 2, Duration.ofSeconds(3));
    stack.service("doomed-" + tenant.org()).kill();
    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(120), "SUCCEEDED", "FAILED");
    assertThat(execution.get("phase").asString()).as(execution.toString()).isEqualTo("SUCCEEDED");

    long reservedMs = 0;
    for (JsonNode node : execution.get("nodes")) {
      assertThat(node.get("attempts")).extracting(a -> a.get("phase").asString()).containsExactly("LOST", "SUCCEEDED");
      for (JsonNode attempt : node.get("attempts")) {
        reservedMs += Instant.parse(attempt.get("reservedUntil").asString()).truncatedTo(ChronoUnit.MILLIS).toEpochMilli()
            - Instant.parse(attempt.get("reservedFrom").asString()).truncatedTo(ChronoUnit.MILLIS).toEpochMilli();
      }
    }
    long expectedMs = reservedMs;
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(gpuMs(tenant, "project", "proj")).isEqualTo(expectedMs));
    assertThat(gpuMs(tenant, "gpuType", "nvidia-h100")).isCloseTo(expectedMs, within(expectedMs / 100));

    String period = YearMonth.now(ZoneOffset.UTC).toString();
    var invoices = tenant.api().get("/api/v1/orgs/" + tenant.org() + "/invoices");
    assertThat(invoices.body().get("items")).extracting(i -> i.get("id").asString() + " " + i.get("status").asString())
        .contains(period + " OPEN");
    JsonNode invoice = tenant.api().get("/api/v1/orgs/" + tenant.org() + "/invoices/" + period).body();
    JsonNode gpuLine = invoice.get("lines").valueStream().filter(line -> line.get("resource").asString().equals("gpu:nvidia-h100"))
        .findFirst().orElseThrow();
    long expectedAmount = BigDecimal.valueOf(expectedMs * PRICE_PER_GPU_HOUR).divide(BigDecimal.valueOf(3_600_000), 0, RoundingMode.HALF_EVEN)
        .longValueExact();
    assertThat(gpuLine.get("amount").get("amountMinor").asLong()).isEqualTo(expectedAmount);
    assertThat(gpuLine.get("project").asString()).isEqualTo("proj");
    assertThat(invoice.get("total").get("amountMinor").asLong()).isGreaterThanOrEqualTo(expectedAmount);

    // The reconciliation compares records that ended more than 10 s ago (the local stack's settle time).
    Instant ended = Instant.now();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> Instant.now().isAfter(ended.plusSeconds(20))
        && reconciliationDifference(stack) == 0);
  }

  @Test
  void aRetriedAttemptIsMeteredAsWellAsTheOneThatSucceeded(LocalStackExtension.Tenant tenant) throws Exception {
    // Tasks run under their org's own user id: the directory that remembers the first failure is everyone's.
    java.nio.file.Path marks = java.nio.file.Files.createTempDirectory("flaky");
    java.nio.file.Files.setPosixFilePermissions(marks, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    java.nio.file.Path mark = marks.resolve("failed-once");
    var flaky = Tasks.shell("flaky", List.of(), List.of("y"),
        "if [ -f \"$MARK\" ]; then echo '{\"y\": 1}' > \"$MERIDIAN_OUTPUTS\"; else touch \"$MARK\"; sleep 1; exit 3; fi", 1, "60s",
        Map.of("MARK", mark.toString()));
    flaky.putObject("resources").put("cpu", "500m").put("memory", "256Mi");
    assertThat(tenant.api().post(tenant.scope() + "/tasks", flaky).status()).isEqualTo(201);
    assertThat(tenant.api().post(tenant.scope() + "/workflows", Tasks.parallel("flaky-once", Map.of("f", "flaky"))).status()).isEqualTo(201);

    String id = ExecutionE2E.launch(tenant, Map.of("workflow", Map.of("name", "flaky-once", "version", "1")));
    JsonNode execution = ExecutionE2E.awaitPhase(tenant, id, Duration.ofSeconds(90), "SUCCEEDED", "FAILED");

    JsonNode attempts = execution.get("nodes").get(0).get("attempts");
    assertThat(attempts).extracting(a -> a.get("phase").asString()).containsExactly("FAILED", "SUCCEEDED");
    long reservedMs = 0;
    for (JsonNode attempt : attempts) {
      reservedMs += Instant.parse(attempt.get("reservedUntil").asString()).truncatedTo(ChronoUnit.MILLIS).toEpochMilli()
          - Instant.parse(attempt.get("reservedFrom").asString()).truncatedTo(ChronoUnit.MILLIS).toEpochMilli();
    }
    // Half a core and a quarter GiB for each reserved millisecond, shown in seconds to three places.
    BigDecimal cores = BigDecimal.valueOf(reservedMs).divide(BigDecimal.valueOf(2_000), 3, RoundingMode.HALF_EVEN);
    BigDecimal gibibytes = BigDecimal.valueOf(reservedMs).divide(BigDecimal.valueOf(4_000), 3, RoundingMode.HALF_EVEN);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode item = tenant.api().get(usage(tenant) + "?groupBy=project").body().get("items").get(0);
      assertThat(item.get("key").asString()).isEqualTo("proj");
      assertThat(item.get("cpuCoreSeconds").decimalValue()).isEqualByComparingTo(cores);
      assertThat(item.get("memoryGiBSeconds").decimalValue()).isEqualByComparingTo(gibibytes);
      assertThat(item.get("gpuSeconds").isEmpty()).isTrue();
    });
  }

  private static long gpuMs(LocalStackExtension.Tenant tenant, String groupBy, String key) {
    return gpuMsIn(tenant, usage(tenant) + "?groupBy=" + groupBy, key);
  }

  private static long gpuMsIn(LocalStackExtension.Tenant tenant, String query, String key) {
    var response = tenant.api().get(query);
    assertThat(response.status()).as(response.body().toString()).isEqualTo(200);
    return response.body().get("items").valueStream().filter(item -> item.get("key").asString().equals(key))
        .mapToLong(item -> item.get("gpuSeconds").path("nvidia-h100").decimalValue().movePointRight(3).longValueExact()).sum();
  }

  private static double reconciliationDifference(LocalStack stack) throws Exception {
    HttpResponse<String> metric = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.options().layout().billingHttp() + "/actuator/metrics/meridian.billing.reconciliation.difference")).build(),
        HttpResponse.BodyHandlers.ofString());
    return MeridianClient.JSON.readTree(metric.body()).get("measurements").get(0).get("value").asDouble();
  }

  /**
   * 120,000 usage records of one org, a tenth of them sent twice and all in shuffled order, in a month
   * long closed to the reconciliation's window: billing is killed with SIGKILL while it counts them
   * and started again, and the total is exact to the millisecond.
   */
  @Test
  void billingKilledMidBatchCountsDuplicatedAndReorderedRecordsExactlyOnce(LocalStackExtension.Tenant tenant) throws Exception {
    stack = tenant.stack();
    java.util.Random random = new java.util.Random(7);
    Instant month = Instant.parse("2025-03-01T00:00:00Z");
    List<dev.meridian.proto.usage.v1.UsageRecord> records = new ArrayList<>();
    long expectedMs = 0;
    for (int i = 0; i < 120_000; i++) {
      Instant start = month.plusMillis(random.nextLong(27L * 24 * 3_600_000)).plusNanos(random.nextInt(1_000) * 1_000L);
      Instant end = start.plusMillis(1 + random.nextInt(3 * 3_600_000));
      int gpus = 1 + random.nextInt(8);
      expectedMs += gpus * (end.truncatedTo(ChronoUnit.MILLIS).toEpochMilli() - start.truncatedTo(ChronoUnit.MILLIS).toEpochMilli());
      records.add(dev.meridian.proto.usage.v1.UsageRecord.newBuilder().setRecordId(tenant.org() + "/e" + i + "/n/1@" + start.toEpochMilli())
          .setOrg(tenant.org()).setProject("proj").setDomain("development").setExecutionId("e" + i).setNodeId("n")
          .setAttemptId("e" + i + "/n/1").setCluster("sim").setGpuType("nvidia-h100").setGpus(gpus).setMilliCpu(1000).setMemoryMib(1024)
          .setStartedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(start.getEpochSecond()).setNanos(start.getNano()))
          .setEndedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(end.getEpochSecond()).setNanos(end.getNano()))
          .setFinal(true).build());
    }
    List<dev.meridian.proto.usage.v1.UsageRecord> delivered = new ArrayList<>(records);
    delivered.addAll(records.subList(0, 12_000));
    java.util.Collections.shuffle(delivered, random);
    // Billing is down while the records arrive, so that it finds all of them waiting and is still
    // counting when it is killed again.
    ServiceProcess billing = stack.service("billing");
    billing.kill();
    // What the router does, as the router's Kafka principal.
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(stack.infrastructure().kafka().clientProperties("cluster-router"),
        new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      for (var record : delivered) {
        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("meridian.usage.v1", record.getOrg(), record.toByteArray()));
      }
    }
    billing.start().awaitHealthy(Duration.ofSeconds(120));

    String march = usage(tenant) + "?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z&groupBy=project";
    long[] atKill = new long[1];
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
      atKill[0] = gpuMsIn(tenant, march, "proj");
      return atKill[0] > 0;
    });
    billing.kill();
    billing.start().awaitHealthy(Duration.ofSeconds(120));

    long expected = expectedMs;
    assertThat(atKill[0]).as("billing was killed while it counted").isLessThan(expected);
    await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> assertThat(gpuMsIn(tenant, march, "proj")).isEqualTo(expected));
  }

  @Test
  void usageIsForAdminsOfTheOrgOnlyAndBadQueriesAreRefusedWhereTheyAre(LocalStackExtension.Tenant tenant) {
    MeridianClient member = tenant.api().as(LocalStack.apiKey(tenant.api(), tenant.org(), "member"));
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();

    assertThat(tenant.api().get(usage(tenant)).status()).isEqualTo(200);
    assertThat(member.get(usage(tenant)).status()).isEqualTo(403);
    assertThat(member.get("/api/v1/orgs/" + tenant.org() + "/invoices").status()).isEqualTo(403);
    assertThat(other.api().get(usage(tenant)).status()).isEqualTo(404);
    assertThat(other.api().get("/api/v1/orgs/" + tenant.org() + "/invoices").status()).isEqualTo(404);
    assertThat(tenant.api().get("/api/v1/orgs/" + tenant.org() + "/invoices/1999-01").status()).isEqualTo(404);
    assertThat(tenant.api().put("/api/v1/operator/prices/cpu", Map.of("unitPriceMinor", 0)).status()).isEqualTo(403);
    var badPrice = tenant.stack().operatorClient().put("/api/v1/operator/prices/disk", Map.of("unitPriceMinor", -1));
    assertThat(badPrice.status()).isEqualTo(422);
    assertThat(badPrice.body().get("errors")).extracting(error -> error.get("pointer").asString())
        .containsExactlyInAnyOrder("resource", "/unitPriceMinor");
    assertThat(tenant.stack().operatorClient().put("/api/v1/operator/prices/cpu", Map.of("unitPriceMinor", 4, "org", "no-such-org"))
        .status()).isEqualTo(404);

    var bad = tenant.api().get(usage(tenant) + "?groupBy=week&from=yesterday");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.body().get("errors")).extracting(error -> error.get("pointer").asString()).containsExactlyInAnyOrder("groupBy", "from");

    var csv = tenant.api().get(usage(tenant) + "?groupBy=day", "text/csv");
    assertThat(csv.status()).isEqualTo(200);
    assertThat(csv.raw().body()).startsWith("day,gpuType,gpuSeconds,cpuCoreSeconds,memoryGiBSeconds,costMinor,currency\n");
  }
}
