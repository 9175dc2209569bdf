package dev.meridian.secrets.infra;

import com.google.protobuf.Timestamp;
import dev.meridian.proto.FieldViolations;
import dev.meridian.proto.secrets.v1.AuditEntry;
import dev.meridian.proto.secrets.v1.DeleteSecretRequest;
import dev.meridian.proto.secrets.v1.DeleteSecretResponse;
import dev.meridian.proto.secrets.v1.FindMissingRequest;
import dev.meridian.proto.secrets.v1.FindMissingResponse;
import dev.meridian.proto.secrets.v1.ListAuditRequest;
import dev.meridian.proto.secrets.v1.ListAuditResponse;
import dev.meridian.proto.secrets.v1.ListSecretsRequest;
import dev.meridian.proto.secrets.v1.ListSecretsResponse;
import dev.meridian.proto.secrets.v1.SecretInfo;
import dev.meridian.proto.secrets.v1.SecretScope;
import dev.meridian.proto.secrets.v1.SecretsGrpc;
import dev.meridian.proto.secrets.v1.WriteSecretRequest;
import dev.meridian.proto.secrets.v1.WriteSecretResponse;
import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.grant.Grants;
import dev.meridian.secrets.secret.Secrets;
import dev.meridian.secrets.store.SecretPath;
import dev.meridian.secrets.store.SecretStoreException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.stereotype.Service;

/** The gateway's door: people's secrets in, names and versions out, never a value. */
@Service
class SecretsGrpcService extends SecretsGrpc.SecretsImplBase {

  private static final int MAX_AUDIT = 500;

  private final Secrets secrets;
  private final SecretAudit audit;
  private final Grants grants;

  SecretsGrpcService(Secrets secrets, SecretAudit audit, Grants grants) {
    this.secrets = secrets;
    this.audit = audit;
    this.grants = grants;
  }

  @Override
  public void writeSecret(WriteSecretRequest request, StreamObserver<WriteSecretResponse> response) {
    SecretScope scope = request.getSecret();
    answer(response, () -> switch (secrets.write(request.getActor(), scope.getOrg(), blankToNull(scope.getProject()),
        blankToNull(scope.getDomain()), scope.getName(), request.getValue())) {
      case Secrets.Written.Stored stored -> WriteSecretResponse.newBuilder().setVersion(stored.version()).build();
      case Secrets.Written.Invalid invalid -> throw FieldViolations.invalid("the secret is invalid",
          invalid.violations().stream().map(v -> new FieldViolations.Violation(v.pointer(), v.message())).toList());
    });
  }

  @Override
  public void listSecrets(ListSecretsRequest request, StreamObserver<ListSecretsResponse> response) {
    answer(response, () -> {
      Map<String, String> writers = audit.lastWriters(request.getOrg());
      ListSecretsResponse.Builder list = ListSecretsResponse.newBuilder();
      secrets.list(request.getOrg()).forEach(info -> list.addItems(SecretInfo.newBuilder().setSecret(scope(info.path()))
          .setCurrentVersion(info.currentVersion()).addAllLiveVersions(info.liveVersions())
          .setCreatedAt(timestamp(info.createdAt())).setUpdatedAt(timestamp(info.updatedAt()))
          .setUpdatedBy(writers.getOrDefault(info.path().toString(), ""))));
      return list.build();
    });
  }

  @Override
  public void deleteSecret(DeleteSecretRequest request, StreamObserver<DeleteSecretResponse> response) {
    SecretScope scope = request.getSecret();
    answer(response, () -> {
      if (blankToNull(scope.getProject()) == null && blankToNull(scope.getDomain()) != null) {
        throw Status.INVALID_ARGUMENT.withDescription("a secret limited to a domain names its project too").asRuntimeException();
      }
      SecretPath path = new SecretPath(scope.getOrg(), blankToNull(scope.getProject()), blankToNull(scope.getDomain()), scope.getName());
      if (!secrets.delete(request.getActor(), path)) {
        throw Status.NOT_FOUND.withDescription("secret " + scope.getName() + " not found").asRuntimeException();
      }
      return DeleteSecretResponse.getDefaultInstance();
    });
  }

  @Override
  public void listAudit(ListAuditRequest request, StreamObserver<ListAuditResponse> response) {
    int limit = request.getLimit() <= 0 ? 100 : Math.min(request.getLimit(), MAX_AUDIT);
    answer(response, () -> {
      ListAuditResponse.Builder list = ListAuditResponse.newBuilder();
      audit.recent(request.getOrg(), limit).forEach(entry -> list.addItems(AuditEntry.newBuilder().setId(entry.id())
          .setAt(timestamp(entry.at())).setActor(entry.actor()).setAction(entry.action()).setSecret(nullToBlank(entry.secret()))
          .setAttempt(nullToBlank(entry.attempt())).setOutcome(entry.outcome()).setDetail(nullToBlank(entry.detail()))));
      return list.build();
    });
  }

  @Override
  public void findMissing(FindMissingRequest request, StreamObserver<FindMissingResponse> response) {
    answer(response, () -> FindMissingResponse.newBuilder().addAllMissing(grants.missing(request.getOrg(), request.getProject(),
        request.getDomain(), request.getNamesList())).build());
  }

  /** Runs {@code call} and answers; a store that cannot be reached is UNAVAILABLE, so callers retry. */
  static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
    T answer;
    try {
      answer = call.get();
    } catch (SecretStoreException e) {
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (io.grpc.StatusRuntimeException e) {
      response.onError(e);
      return;
    }
    response.onNext(answer);
    response.onCompleted();
  }

  static SecretScope scope(SecretPath path) {
    return SecretScope.newBuilder().setOrg(path.org()).setProject(nullToBlank(path.project())).setDomain(nullToBlank(path.domain()))
        .setName(path.name()).build();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text;
  }

  private static String nullToBlank(String text) {
    return text == null ? "" : text;
  }
}
