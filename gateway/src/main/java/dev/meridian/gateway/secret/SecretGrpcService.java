package dev.meridian.gateway.secret;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.proto.api.v1.OrgRef;
import dev.meridian.proto.api.v1.PutSecretRequest;
import dev.meridian.proto.api.v1.SecretRef;
import dev.meridian.proto.api.v1.SecretServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import org.springframework.stereotype.Service;

/** {@code meridian.api.v1.SecretService}: the REST secrets calls over gRPC, same shapes as Structs. */
@Service
class SecretGrpcService extends SecretServiceGrpc.SecretServiceImplBase {

  private static final int AUDIT_PAGE = 100;

  private final GatewaySecrets secrets;

  SecretGrpcService(GatewaySecrets secrets) {
    this.secrets = secrets;
  }

  @Override
  public void putSecret(PutSecretRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(secrets.write(request.getOrg(), request.getName(), Structs.toJson(request.getSecret())),
        version -> Struct.getDefaultInstance(), response);
  }

  @Override
  public void listSecrets(OrgRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(secrets.list(request.getOrg()),
        items -> Structs.toStruct(Map.of("items", items.stream().map(SecretController::view).toList())), response);
  }

  @Override
  public void deleteSecret(SecretRef request, StreamObserver<Struct> response) {
    Outcome<Boolean> deleted = secrets.delete(request.getOrg(), request.getName(), blankToNull(request.getProject()),
        blankToNull(request.getDomain()));
    GrpcErrors.respond(deleted, done -> Struct.getDefaultInstance(), response);
  }

  @Override
  public void listSecretAudit(OrgRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(secrets.audit(request.getOrg(), AUDIT_PAGE),
        items -> Structs.toStruct(Map.of("items", items.stream().map(SecretController::view).toList())), response);
  }

  private static String blankToNull(String text) {
    return text.isBlank() ? null : text;
  }
}
