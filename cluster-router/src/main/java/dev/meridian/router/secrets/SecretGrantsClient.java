package dev.meridian.router.secrets;

import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.SecretMessages;
import dev.meridian.proto.secrets.v1.DeliveredSecret;
import dev.meridian.proto.secrets.v1.IssueGrantRequest;
import dev.meridian.proto.secrets.v1.RedeemGrantRequest;
import dev.meridian.proto.secrets.v1.SecretGrantsGrpc;
import dev.meridian.tenancy.TenancyGrpc;
import dev.meridian.workflow.AttemptId;
import dev.meridian.workflow.SecretMount;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.annotation.PreDestroy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The router's side of ADR 10: it asks the secrets-broker for a grant when it assigns an attempt
 * that needs secrets, and redeems grants for the agents whose streams it authenticated. Values
 * pass through this process on their way to the agent and are never kept, logged or recorded.
 */
@Component
public class SecretGrantsClient {

  /** The broker says the secrets do not exist in the execution's scope (deleted since launch). */
  public static final class MissingSecrets extends RuntimeException {
    MissingSecrets(String message) {
      super(message);
    }
  }

  /** The broker refused a redemption: replayed, expired, or another cluster's grant. */
  public static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final ManagedChannel channel;
  private final SecretGrantsGrpc.SecretGrantsBlockingStub grants;

  SecretGrantsClient(@Value("${meridian.router.secrets-broker:127.0.0.1:9393}") String target, ServiceTls tls) {
    this.channel = ServiceChannels.toService(target, tls, TenancyGrpc.clientInterceptor());
    this.grants = SecretGrantsGrpc.newBlockingStub(channel);
  }

  public String issue(String org, String project, String domain, AttemptId attempt, String clusterId, List<SecretMount> secrets) {
    try {
      return grants.withDeadlineAfter(10, TimeUnit.SECONDS).issueGrant(IssueGrantRequest.newBuilder().setOrg(org).setProject(project)
          .setDomain(domain).setExecutionId(attempt.executionId()).setNodeId(attempt.nodeId()).setAttempt(attempt.attempt())
          .setClusterId(clusterId).addAllSecrets(secrets.stream().map(SecretMessages::toMessage).toList()).build()).getGrantId();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
        throw new MissingSecrets(e.getStatus().getDescription());
      }
      throw e;
    }
  }

  /** The grant's secrets, if it was issued for {@code attemptId} on {@code clusterId} and was not redeemed before. */
  public List<DeliveredSecret> redeem(String grantId, String clusterId, String attemptId) {
    try {
      var redeemed = grants.withDeadlineAfter(10, TimeUnit.SECONDS).redeemGrant(RedeemGrantRequest.newBuilder().setGrantId(grantId)
          .setClusterId(clusterId).build());
      if (!redeemed.getAttemptId().equals(attemptId)) {
        throw new Refused("the grant is for another attempt");
      }
      return redeemed.getSecretsList();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED || e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
        throw new Refused(e.getStatus().getDescription());
      }
      throw e;
    }
  }

  @PreDestroy
  void close() {
    channel.shutdownNow();
  }
}
