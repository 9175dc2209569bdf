package dev.meridian.gateway.identity;

import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc.ApiKeysBlockingStub;
import dev.meridian.proto.tenant.v1.ListRevokedKeysRequest;
import dev.meridian.proto.tenant.v1.ListRevokedKeysResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * API keys revoked recently enough that tokens issued to them may still be valid, and people whose
 * role in an org changed (or who were removed) since their token was issued. Re-read every 20 s, so
 * a revoked key or a demotion takes effect within that (plus the read), well inside the 60 s promised.
 */
@Component
class RevokedKeys {

  private static final Logger log = LoggerFactory.getLogger(RevokedKeys.class);
  /** Longer than any access token lives. */
  static final Duration REMEMBER = Duration.ofHours(24);

  private final ApiKeysBlockingStub keys;
  private volatile Set<String> revoked = Set.of();
  /** When each {@code org/userId} membership last changed. */
  private volatile Map<String, Instant> membershipChanges = Map.of();

  RevokedKeys(ApiKeysBlockingStub keys) {
    this.keys = keys;
  }

  boolean isRevoked(String keyId) {
    return keyId != null && revoked.contains(keyId);
  }

  /**
   * The person's membership in the org changed after the token was issued. {@code iat} has whole
   * seconds only, so a token of the same second counts as older: refusing one token too many (the
   * console signs in again) is better than honouring a demoted role.
   */
  boolean predatesMembershipChange(String org, String userId, Instant issuedAt) {
    if (org == null || userId == null || issuedAt == null) {
      return false;
    }
    Instant changed = membershipChanges.get(org + "/" + userId);
    return changed != null && !issuedAt.isAfter(changed.truncatedTo(ChronoUnit.SECONDS));
  }

  @Scheduled(fixedDelayString = "${meridian.gateway.identity.revocation-refresh:20s}")
  void refresh() {
    try {
      ListRevokedKeysResponse answer = keys.withDeadlineAfter(5, TimeUnit.SECONDS).listRevokedKeys(ListRevokedKeysRequest.newBuilder()
          .setSince(Timestamps.fromMillis(Instant.now().minus(REMEMBER).toEpochMilli())).build());
      revoked = Set.copyOf(answer.getKeyIdsList());
      membershipChanges = answer.getMembershipChangesList().stream().collect(Collectors.toUnmodifiableMap(
          change -> change.getOrg() + "/" + change.getUserId(), change -> Instant.ofEpochMilli(Timestamps.toMillis(change.getChangedAt()))));
    } catch (StatusRuntimeException e) {
      log.warn("cannot read revoked API keys ({}); keeping the last list", e.getStatus());
    }
  }
}
