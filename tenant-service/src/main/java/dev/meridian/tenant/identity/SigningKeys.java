package dev.meridian.tenant.identity;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The RSA keys that sign tokens, from the database: the first start creates one (under a lock, so
 * two instances starting together agree), every later start reuses them, so tokens issued before a
 * restart still verify after it.
 */
@Configuration(proxyBeanMethods = false)
class SigningKeys {

  private record Stored(String kid, byte[] privateKey, byte[] publicKey) {}

  @Bean
  JWKSource<SecurityContext> jwkSource(JdbcClient jdbc, TransactionTemplate transactions) {
    List<Stored> stored = transactions.execute(tx -> {
      jdbc.sql("lock table signing_keys in exclusive mode").update();
      List<Stored> keys = load(jdbc);
      if (keys.isEmpty()) {
        KeyPair pair = generate();
        jdbc.sql("insert into signing_keys (kid, private_key, public_key) values (:kid, :private, :public)")
            .param("kid", UUID.randomUUID().toString()).param("private", pair.getPrivate().getEncoded())
            .param("public", pair.getPublic().getEncoded()).update();
        keys = load(jdbc);
      }
      return keys;
    });
    List<JWK> keys = new ArrayList<>();
    for (Stored key : stored) {
      keys.add(toJwk(key));
    }
    return new ImmutableJWKSet<>(new JWKSet(keys));
  }

  /** Newest first: the encoder signs with the first key that fits. */
  private static List<Stored> load(JdbcClient jdbc) {
    return jdbc.sql("select kid, private_key, public_key from signing_keys order by created_at desc")
        .query((rs, i) -> new Stored(rs.getString(1), rs.getBytes(2), rs.getBytes(3))).list();
  }

  private static RSAKey toJwk(Stored key) {
    try {
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      return new RSAKey.Builder((RSAPublicKey) rsa.generatePublic(new X509EncodedKeySpec(key.publicKey())))
          .privateKey((RSAPrivateKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(key.privateKey())))
          .keyID(key.kid()).build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing key " + key.kid() + " cannot be read", e);
    }
  }

  private static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
