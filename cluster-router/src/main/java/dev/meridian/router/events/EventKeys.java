package dev.meridian.router.events;

import dev.meridian.proto.events.v1.SignedTaskEvent;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Proof of origin for task events (docs/adr/0003): every agent stream gets its own HMAC key,
 * recorded against the stream's cluster. An event whose signature verifies under a key tells us
 * which cluster sent it, whatever the event claims. The router signs the LOST events it publishes
 * itself with a key of its own, recorded against {@link #ROUTER}.
 */
@Component
public class EventKeys {

  /** The "cluster" of the router's own key. */
  public static final String ROUTER = "#router";
  private static final SecureRandom RANDOM = new SecureRandom();

  public record Key(String id, String clusterId, byte[] secret) {}

  private final JdbcClient jdbc;
  private final Map<String, Key> cache = new ConcurrentHashMap<>();
  private volatile Key routerKey;

  protected EventKeys(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public Key issue(String clusterId) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    Key key = new Key("k" + HexFormat.of().formatHex(id), clusterId, secret);
    jdbc.sql("insert into event_keys (key_id, cluster_id, secret) values (:id, :cluster, :secret)")
        .param("id", key.id()).param("cluster", clusterId).param("secret", secret).update();
    cache.put(key.id(), key);
    return key;
  }

  Key routerKey() {
    if (routerKey == null) {
      synchronized (this) {
        if (routerKey == null) {
          routerKey = issue(ROUTER);
        }
      }
    }
    return routerKey;
  }

  /** Drops every key of a deleted cluster: its events stop counting at once. */
  public void revokeAll(String clusterId) {
    jdbc.sql("delete from event_keys where cluster_id = :cluster").param("cluster", clusterId).update();
    cache.values().removeIf(key -> key.clusterId().equals(clusterId));
  }

  /** Forgets what this router cached of the cluster's keys (another router revoked them): they are read again if still valid. */
  public void forget(String clusterId) {
    cache.values().removeIf(key -> key.clusterId().equals(clusterId));
  }

  static byte[] sign(byte[] secret, byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The cluster whose key signed the event, if the signature verifies under a known key. */
  Optional<String> verify(SignedTaskEvent signed) {
    Optional<Key> key = Optional.ofNullable(cache.get(signed.getKeyId())).or(() -> jdbc
        .sql("select key_id, cluster_id, secret from event_keys where key_id = :id").param("id", signed.getKeyId())
        .query((rs, i) -> new Key(rs.getString(1), rs.getString(2), rs.getBytes(3))).optional());
    key.ifPresent(k -> cache.put(k.id(), k));
    return key.filter(k -> MessageDigest.isEqual(sign(k.secret(), signed.getEvent().toByteArray()), signed.getSignature().toByteArray()))
        .map(Key::clusterId);
  }
}
