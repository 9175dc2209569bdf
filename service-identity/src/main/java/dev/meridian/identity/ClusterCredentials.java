package dev.meridian.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * What a customer cluster authenticates with: its cluster token, shown once at registration. The
 * token opens the agent stream, and it is also the password of the cluster's own Kafka principal,
 * whose name is derived from the token's hash, so an agent holds one secret and knows its principal
 * before it has talked to anyone. That principal may only write task events (docs/security.md).
 */
public final class ClusterCredentials {

  private ClusterCredentials() {}

  /** SHA-256 of the token, hex: what is stored. The token has full entropy, so no stretching is needed. */
  public static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Kafka principal (SCRAM user name) of the cluster holding {@code token}. */
  public static String kafkaUsername(String token) {
    return kafkaUsernameOfHash(hash(token));
  }

  /** The same, from the stored hash of the token. */
  public static String kafkaUsernameOfHash(String tokenHash) {
    return "cluster-" + tokenHash.substring(0, 24);
  }

  /** The JAAS line a Kafka client logs in with (SCRAM). */
  public static String scramLogin(String username, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username + "\" password=\"" + password + "\";";
  }

  /**
   * Kafka client settings for SASL/SCRAM-SHA-512 over TLS, the broker's certificate checked against
   * {@code caBundle} (null: the JVM's trust store).
   */
  public static Map<String, Object> kafkaClient(String username, String password, Path caBundle) {
    Map<String, Object> settings = new java.util.HashMap<>(Map.of(
        "security.protocol", "SASL_SSL",
        "sasl.mechanism", "SCRAM-SHA-512",
        "sasl.jaas.config", scramLogin(username, password)));
    if (caBundle != null) {
      settings.put("ssl.truststore.type", "PEM");
      settings.put("ssl.truststore.location", caBundle.toString());
    }
    return settings;
  }
}
