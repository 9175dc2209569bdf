package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;
import dev.meridian.proto.api.v1.CreateExecutionRequest;
import dev.meridian.proto.api.v1.ExecutionRef;
import dev.meridian.proto.api.v1.ExecutionServiceGrpc;
import dev.meridian.proto.api.v1.GetEntityRequest;
import dev.meridian.proto.api.v1.ListMapItemsRequest;
import dev.meridian.proto.api.v1.OrgRef;
import dev.meridian.proto.api.v1.QuotaRef;
import dev.meridian.proto.api.v1.PutSecretRequest;
import dev.meridian.proto.api.v1.QuotaServiceGrpc;
import dev.meridian.proto.api.v1.SecretRef;
import dev.meridian.proto.api.v1.SecretServiceGrpc;
import dev.meridian.proto.api.v1.SetQuotaRequest;
import dev.meridian.proto.api.v1.RegistryServiceGrpc;
import dev.meridian.proto.api.v1.Scope;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class GrpcApiE2E {

  private ManagedChannel channel;

  private ExecutionServiceGrpc.ExecutionServiceBlockingStub executions(LocalStackExtension.Tenant tenant) {
    channel = LocalStackExtension.grpc(tenant);
    return ExecutionServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  private static Scope scope(LocalStackExtension.Tenant tenant) {
    return Scope.newBuilder().setOrg(tenant.org()).setProject("proj").setDomain("development").build();
  }

  private static Struct launchPlanRun(int n) {
    return Struct.newBuilder()
        .putFields("launchPlan", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("name", Value.newBuilder().setStringValue("quickstart.fanout").build())
            .putFields("version", Value.newBuilder().setStringValue("1").build())).build())
        .putFields("inputs", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("n", Value.newBuilder().setNumberValue(n).build())).build())
        .build();
  }

  @Test
  void launchesAndFollowsAnExecutionOverGrpcWithTheRestShapes(LocalStackExtension.Tenant tenant) {
    var stub = executions(tenant);

    Struct created = stub.createExecution(CreateExecutionRequest.newBuilder().setScope(scope(tenant))
        .setExecution(launchPlanRun(3)).setIdempotencyKey("grpc-1").build());
    String id = created.getFieldsOrThrow("id").getStringValue();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Struct execution = stub.getExecution(ExecutionRef.newBuilder().setScope(scope(tenant)).setId(id).build());
      assertThat(execution.getFieldsOrThrow("phase").getStringValue()).isEqualTo("SUCCEEDED");
      // n=3: prepare 4, square 16, cube 64, combine 80
      assertThat(execution.getFieldsOrThrow("outputs").getStructValue().getFieldsOrThrow("total").getNumberValue()).isEqualTo(80);
    });
  }

  @Test
  void invalidInputsAreInvalidArgumentWithLocatedFieldViolations(LocalStackExtension.Tenant tenant) {
    var stub = executions(tenant);
    Struct run = launchPlanRun(1).toBuilder().putFields("inputs", Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields("n", Value.newBuilder().setNumberValue(1.5).build())).build()).build();

    assertThatThrownBy(() -> stub.createExecution(CreateExecutionRequest.newBuilder().setScope(scope(tenant)).setExecution(run).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          var details = StatusProto.fromThrowable(e).getDetailsList();
          assertThat(details).singleElement().satisfies(any -> {
            BadRequest badRequest = any.unpack(BadRequest.class);
            assertThat(badRequest.getFieldViolationsList()).singleElement().satisfies(v -> {
              assertThat(v.getField()).isEqualTo("/inputs/n");
              assertThat(v.getDescription()).contains("expected integer but got float 1.5");
            });
          });
        });
  }

  @Test
  void aMapNodesItemsArePagedOverGrpcAsOverRest(LocalStackExtension.Tenant tenant) {
    var stub = executions(tenant);
    String id = ExecutionE2E.launch(tenant, Examples.load("execution-sweep.json"));
    ExecutionE2E.awaitPhase(tenant, id, java.time.Duration.ofSeconds(90), "SUCCEEDED", "FAILED");

    Struct page = stub.listMapItems(ListMapItemsRequest.newBuilder().setScope(scope(tenant)).setId(id).setNode("square").setLimit(4).build());

    assertThat(page.getFieldsOrThrow("items").getListValue().getValuesList()).hasSize(4).allSatisfy(item ->
        assertThat(item.getStructValue().getFieldsOrThrow("phase").getStringValue()).isEqualTo("SUCCEEDED"));
    assertThat(page.getFieldsOrThrow("nextPageToken").getStringValue()).isNotBlank();
  }

  @Test
  void anotherOrgsExecutionIsNotFound(LocalStackExtension.Tenant tenant) {
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    var stub = executions(tenant);
    Scope theirs = Scope.newBuilder().setOrg(other.org()).setProject("proj").setDomain("development").build();
    String theirExecution = ExecutionE2E.launch(other, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"),
        "inputs", Map.of("n", 1)));

    assertThatThrownBy(() -> stub.createExecution(CreateExecutionRequest.newBuilder().setScope(theirs).setExecution(launchPlanRun(1)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> stub.getExecution(ExecutionRef.newBuilder().setScope(theirs).setId(theirExecution).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    assertThatThrownBy(() -> stub.getExecution(ExecutionRef.newBuilder().setScope(scope(tenant)).setId(theirExecution).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> stub.listMapItems(ListMapItemsRequest.newBuilder().setScope(theirs).setId(theirExecution).setNode("square").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(RegistryServiceGrpc.newBlockingStub(channel).getWorkflow(GetEntityRequest.newBuilder().setScope(scope(tenant))
        .setName("quickstart.fanout").setVersion("1").build()).getFieldsOrThrow("name").getStringValue()).isEqualTo("quickstart.fanout");
  }

  @Test
  void quotasAreSetAndReadOverGrpcWithTheRestShapesAndLocatedErrors(LocalStackExtension.Tenant tenant) {
    executions(tenant);
    var quotas = QuotaServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
    Struct body = Struct.newBuilder()
        .putFields("gpus", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("nvidia-h100", Value.newBuilder().setNumberValue(4).build())).build())
        .putFields("requestsPerSecond", Value.newBuilder().setNumberValue(500).build()).build();

    Struct saved = quotas.setQuota(SetQuotaRequest.newBuilder().setOrg(tenant.org()).setQuota(body).build());

    assertThat(saved.getFieldsOrThrow("gpus").getStructValue().getFieldsOrThrow("nvidia-h100").getNumberValue()).isEqualTo(4);
    assertThat(quotas.getQuota(QuotaRef.newBuilder().setOrg(tenant.org()).build())).isEqualTo(saved);
    assertThat(quotas.getQuotaUsage(OrgRef.newBuilder().setOrg(tenant.org()).build()).getFieldsOrThrow("queuedTasks").getNumberValue())
        .isZero();
    Struct tooMuch = Struct.newBuilder().putFields("gpus", Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields("nvidia-h100", Value.newBuilder().setNumberValue(5).build())).build()).build();
    StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> quotas.setQuota(
        SetQuotaRequest.newBuilder().setOrg(tenant.org()).setProject("proj").setQuota(tooMuch).build()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequest(refused).getFieldViolations(0).getField()).isEqualTo("/gpus/nvidia-h100");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> quotas.getQuota(QuotaRef.newBuilder().setOrg("no-such-org").build())).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void secretsAreWrittenListedAndDeletedOverGrpcWithRolesAndNeverShown(LocalStackExtension.Tenant tenant) {
    executions(tenant);
    var secrets = SecretServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
    String value = "grpc-secret-value-never-shown";
    Struct body = Struct.newBuilder().putFields("value", Value.newBuilder().setStringValue(value).build()).build();

    secrets.putSecret(PutSecretRequest.newBuilder().setOrg(tenant.org()).setName("hub-token").setSecret(body).build());
    Struct listed = secrets.listSecrets(OrgRef.newBuilder().setOrg(tenant.org()).build());
    Struct audit = secrets.listSecretAudit(OrgRef.newBuilder().setOrg(tenant.org()).build());

    assertThat(listed.getFieldsOrThrow("items").getListValue().getValues(0).getStructValue().getFieldsOrThrow("name").getStringValue())
        .isEqualTo("hub-token");
    assertThat(listed.toString() + audit.toString()).doesNotContain(value);
    StatusRuntimeException invalid = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> secrets.putSecret(
        PutSecretRequest.newBuilder().setOrg(tenant.org()).setName("9lives").setSecret(body).build()));
    assertThat(badRequest(invalid).getFieldViolations(0).getField()).isEqualTo("/name");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> secrets.listSecrets(
        OrgRef.newBuilder().setOrg("someone-else").build())).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    secrets.deleteSecret(SecretRef.newBuilder().setOrg(tenant.org()).setName("hub-token").build());
    assertThat(secrets.listSecrets(OrgRef.newBuilder().setOrg(tenant.org()).build()).getFieldsOrThrow("items").getListValue()
        .getValuesCount()).isZero();
  }

  @Test
  void usageAndInvoicesAreReadOverGrpcInTheRestShapesWithLocatedRefusals(LocalStackExtension.Tenant tenant) {
    executions(tenant);
    var usage = dev.meridian.proto.api.v1.UsageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);

    Struct report = usage.getUsage(dev.meridian.proto.api.v1.UsageRequest.newBuilder().setOrg(tenant.org()).setGroupBy("day").build());
    Struct invoices = usage.listInvoices(OrgRef.newBuilder().setOrg(tenant.org()).build());

    assertThat(report.getFieldsOrThrow("groupBy").getStringValue()).isEqualTo("day");
    assertThat(report.getFieldsOrThrow("items").hasListValue()).isTrue();
    assertThat(invoices.getFieldsOrThrow("items").hasListValue()).isTrue();
    StatusRuntimeException invalid = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> usage.getUsage(
        dev.meridian.proto.api.v1.UsageRequest.newBuilder().setOrg(tenant.org()).setGroupBy("week").build()));
    assertThat(badRequest(invalid).getFieldViolations(0).getField()).isEqualTo("groupBy");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> usage.getInvoice(
        dev.meridian.proto.api.v1.InvoiceRef.newBuilder().setOrg(tenant.org()).setId("1999-01").build())).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> usage.listInvoices(
        OrgRef.newBuilder().setOrg("someone-else").build())).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  private static BadRequest badRequest(StatusRuntimeException e) {
    try {
      return StatusProto.fromThrowable(e).getDetails(0).unpack(BadRequest.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
      throw new AssertionError(unreadable);
    }
  }
}
