package dev.meridian.gateway.quota;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.proto.api.v1.OrgRef;
import dev.meridian.proto.api.v1.QuotaRef;
import dev.meridian.proto.api.v1.QuotaServiceGrpc;
import dev.meridian.proto.api.v1.SetQuotaRequest;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** {@code meridian.api.v1.QuotaService}: the REST quota calls over gRPC, same shapes as Structs. */
@Service
class QuotaGrpcService extends QuotaServiceGrpc.QuotaServiceImplBase {

  private final Quotas quotas;

  QuotaGrpcService(Quotas quotas) {
    this.quotas = quotas;
  }

  @Override
  public void getQuota(QuotaRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(quotas.get(request.getOrg(), request.getProject().isEmpty() ? null : request.getProject()),
        quota -> Structs.toStruct(QuotaViews.quota(quota)), response);
  }

  @Override
  public void setQuota(SetQuotaRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(quotas.set(request.getOrg(), request.getProject().isEmpty() ? null : request.getProject(),
        Structs.toJson(request.getQuota())), quota -> Structs.toStruct(QuotaViews.quota(quota)), response);
  }

  @Override
  public void getQuotaUsage(OrgRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(quotas.usage(request.getOrg()), usage -> Structs.toStruct(QuotaViews.usage(usage)), response);
  }
}
