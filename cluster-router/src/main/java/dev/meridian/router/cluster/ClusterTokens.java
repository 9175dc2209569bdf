package dev.meridian.router.cluster;

import dev.meridian.identity.ClusterCredentials;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Agent tokens: 32 random bytes, shown once at registration; only their SHA-256 is stored. A
 * plain hash is enough because the token has full entropy (no password stretching needed).
 */
public final class ClusterTokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private ClusterTokens() {}

  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "mrdc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String hash(String token) {
    return ClusterCredentials.hash(token);
  }

  static String newId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return "c" + HexFormat.of().formatHex(bytes);
  }
}
