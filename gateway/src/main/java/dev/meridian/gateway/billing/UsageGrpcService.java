package dev.meridian.gateway.billing;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.proto.api.v1.InvoiceRef;
import dev.meridian.proto.api.v1.OrgRef;
import dev.meridian.proto.api.v1.UsageRequest;
import dev.meridian.proto.api.v1.UsageServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import org.springframework.stereotype.Service;

/** {@code meridian.api.v1.UsageService}: the REST usage and invoice calls over gRPC, same shapes as Structs. */
@Service
class UsageGrpcService extends UsageServiceGrpc.UsageServiceImplBase {

  private final GatewayBilling billing;

  UsageGrpcService(GatewayBilling billing) {
    this.billing = billing;
  }

  @Override
  public void getUsage(UsageRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(billing.usage(request.getOrg(), request.getFrom(), request.getTo(), request.getGroupBy()), Structs::toStruct,
        response);
  }

  @Override
  public void listInvoices(OrgRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(billing.invoices(request.getOrg()),
        items -> Structs.toStruct(Map.of("items", items.stream().map(BillingController::summary).toList())), response);
  }

  @Override
  public void getInvoice(InvoiceRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(billing.invoice(request.getOrg(), request.getId()), invoice -> Structs.toStruct(BillingController.detail(invoice)),
        response);
  }
}
