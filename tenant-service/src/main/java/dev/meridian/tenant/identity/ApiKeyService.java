package dev.meridian.tenant.identity;

import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.tenant.v1.ApiKey;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc;
import dev.meridian.proto.tenant.v1.CreateApiKeyRequest;
import dev.meridian.proto.tenant.v1.CreatedApiKey;
import dev.meridian.proto.tenant.v1.ListApiKeysRequest;
import dev.meridian.proto.tenant.v1.ListApiKeysResponse;
import dev.meridian.proto.tenant.v1.ListRevokedKeysRequest;
import dev.meridian.proto.tenant.v1.ListRevokedKeysResponse;
import dev.meridian.proto.tenant.v1.MembershipChange;
import dev.meridian.proto.tenant.v1.RevokeApiKeyRequest;
import dev.meridian.proto.FieldViolations;
import dev.meridian.identity.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

/** API keys over the internal gRPC contract: created with a secret shown once, listed without it, revoked. */
@Service
class ApiKeyService extends ApiKeysGrpc.ApiKeysImplBase {

  private static final Logger log = LoggerFactory.getLogger(ApiKeyService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ApiKeyStore store;
  private final PasswordEncoder encoder;
  private final Callers callers;

  ApiKeyService(ApiKeyStore store, PasswordEncoder encoder, Callers callers) {
    this.store = store;
    this.encoder = encoder;
    this.callers = callers;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreatedApiKey> response) {
    if (!store.orgExists(request.getOrg())) {
      response.onError(Status.NOT_FOUND.withDescription("org '" + request.getOrg() + "' not found").asRuntimeException());
      return;
    }
    if (request.getName().isBlank() || request.getName().length() > 100) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("name is required (at most 100 characters)").asRuntimeException());
      return;
    }
    Optional<String> badRole = Role.problemWithOrgRole(request.getRole());
    if (badRole.isPresent()) {
      response.onError(FieldViolations.invalid("the API key is invalid", List.of(new FieldViolations.Violation("/role", badRole.get()))));
      return;
    }
    Callers.Acting acting;
    try {
      acting = callers.in(request.getOrg());
      Callers.mayGrant(acting, Role.of(request.getRole()).orElseThrow(), "create an API key");
    } catch (StatusRuntimeException refused) {
      response.onError(refused);
      return;
    }
    String id = "key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    String clientId = "mrdk_" + random(12);
    String secret = "mrds_" + random(32);
    store.insert(id, request.getOrg(), request.getName(), request.getRole(), clientId, encoder.encode(secret), acting);
    log.info("created API key {} ({}) in org {}", id, request.getRole(), request.getOrg());
    reply(response, CreatedApiKey.newBuilder().setKey(toProto(store.find(request.getOrg(), id).orElseThrow()))
        .setClientSecret(secret).build());
  }

  @Override
  public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
    ListApiKeysResponse.Builder list = ListApiKeysResponse.newBuilder();
    store.ofOrg(request.getOrg()).forEach(key -> list.addItems(toProto(key)));
    reply(response, list.build());
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
    store.revoke(request.getOrg(), request.getId());
    store.find(request.getOrg(), request.getId()).ifPresentOrElse(key -> {
      log.info("revoked API key {} of org {}", key.id(), key.org());
      reply(response, toProto(key));
    }, () -> response.onError(Status.NOT_FOUND.withDescription("API key '" + request.getId() + "' not found").asRuntimeException()));
  }

  @Override
  public void listRevokedKeys(ListRevokedKeysRequest request, StreamObserver<ListRevokedKeysResponse> response) {
    Instant since = request.hasSince() ? Instant.ofEpochMilli(Timestamps.toMillis(request.getSince())) : Instant.EPOCH;
    ListRevokedKeysResponse.Builder revoked = ListRevokedKeysResponse.newBuilder().addAllKeyIds(store.revokedSince(since));
    store.membershipChangesSince(since).forEach(change -> revoked.addMembershipChanges(MembershipChange.newBuilder()
        .setOrg(change.org()).setUserId(change.userId()).setChangedAt(Timestamps.fromMillis(change.changedAt().toEpochMilli()))));
    reply(response, revoked.build());
  }

  private static ApiKey toProto(ApiKeyStore.KeyRow key) {
    ApiKey.Builder proto = ApiKey.newBuilder().setId(key.id()).setOrg(key.org()).setName(key.name()).setRole(key.role())
        .setClientId(key.clientId()).setCreatedAt(Timestamps.fromMillis(key.createdAt().toEpochMilli())).setCreatedBy(key.createdBy());
    if (key.revokedAt() != null) {
      proto.setRevokedAt(Timestamps.fromMillis(key.revokedAt().toEpochMilli()));
    }
    return proto.build();
  }

  private static String random(int bytes) {
    byte[] value = new byte[bytes];
    RANDOM.nextBytes(value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
  }

  private static <T> void reply(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
