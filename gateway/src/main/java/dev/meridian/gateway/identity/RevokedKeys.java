package dev.meridian.gateway.identity;

import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc.ApiKeysBlockingStub;
import dev.meridian.proto.tenant.v1.ListRevokedKeysRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * API keys revoked recently enough that tokens issued to them may still be valid. Re-read every
 * 20 s, so a revoked key stops working within that (plus the read), well inside the 60 s promised.
 */
@Component
class RevokedKeys {

  private static final Logger log = LoggerFactory.getLogger(RevokedKeys.class);
  /** Longer than any access token lives. */
  static final Duration REMEMBER = Duration.ofHours(24);

  private final ApiKeysBlockingStub keys;
  private volatile Set<String> revoked = Set.of();

  RevokedKeys(ApiKeysBlockingStub keys) {
    this.keys = keys;
  }

  boolean isRevoked(String keyId) {
    return keyId != null && revoked.contains(keyId);
  }

  @Scheduled(fixedDelayString = "${meridian.gateway.identity.revocation-refresh:20s}")
  void refresh() {
    try {
      revoked = Set.copyOf(keys.withDeadlineAfter(5, TimeUnit.SECONDS).listRevokedKeys(ListRevokedKeysRequest.newBuilder()
          .setSince(Timestamps.fromMillis(Instant.now().minus(REMEMBER).toEpochMilli())).build()).getKeyIdsList());
    } catch (StatusRuntimeException e) {
      log.warn("cannot read revoked API keys ({}); keeping the last list", e.getStatus());
    }
  }
}
