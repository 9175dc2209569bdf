package dev.meridian.secrets.infra;

import dev.meridian.proto.SecretMessages;
import dev.meridian.proto.secrets.v1.DeliveredSecret;
import dev.meridian.proto.secrets.v1.IssueGrantRequest;
import dev.meridian.proto.secrets.v1.IssueGrantResponse;
import dev.meridian.proto.secrets.v1.RedeemGrantRequest;
import dev.meridian.proto.secrets.v1.RedeemGrantResponse;
import dev.meridian.proto.secrets.v1.SecretGrantsGrpc;
import dev.meridian.secrets.grant.Grants;
import dev.meridian.workflow.AttemptId;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** The router's door: a grant per attempt, and its redemption for the agent the router authenticated. */
@Service
class SecretGrantsGrpcService extends SecretGrantsGrpc.SecretGrantsImplBase {

  private final Grants grants;

  SecretGrantsGrpcService(Grants grants) {
    this.grants = grants;
  }

  @Override
  public void issueGrant(IssueGrantRequest request, StreamObserver<IssueGrantResponse> response) {
    var attempt = new Grants.Attempt(request.getOrg(), request.getProject(), request.getDomain(),
        new AttemptId(request.getExecutionId(), request.getNodeId(), request.getAttempt()), request.getClusterId());
    var mounts = request.getSecretsList().stream().map(SecretMessages::mount).toList();
    SecretsGrpcService.answer(response, () -> switch (grants.issue(attempt, mounts, "cluster-router")) {
      case Grants.Issued.Granted granted -> IssueGrantResponse.newBuilder().setGrantId(granted.grantId())
          .setExpiresAt(SecretsGrpcService.timestamp(granted.expiresAt())).build();
      case Grants.Issued.Missing missing -> throw Status.FAILED_PRECONDITION
          .withDescription("secrets " + missing.names() + " do not exist for this execution's project and domain").asRuntimeException();
    });
  }

  @Override
  public void redeemGrant(RedeemGrantRequest request, StreamObserver<RedeemGrantResponse> response) {
    SecretsGrpcService.answer(response, () -> switch (grants.redeem(request.getGrantId(), request.getClusterId())) {
      case Grants.Redemption.Redeemed redeemed -> {
        RedeemGrantResponse.Builder answer = RedeemGrantResponse.newBuilder().setAttemptId(redeemed.attempt().id().toString());
        redeemed.secrets().forEach(delivered -> answer.addSecrets(DeliveredSecret.newBuilder().setMount(SecretMessages.toMessage(delivered.mount()))
            .setValue(delivered.value())));
        yield answer.build();
      }
      case Grants.Redemption.Refused refused -> throw (refused.reason() == Grants.Reason.SECRET_GONE ? Status.FAILED_PRECONDITION
          : Status.PERMISSION_DENIED).withDescription(refused.message()).asRuntimeException();
    });
  }
}
