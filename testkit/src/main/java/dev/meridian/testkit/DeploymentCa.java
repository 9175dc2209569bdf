package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A deployment's own certificate authority, for the local stack and the tests: it signs one
 * certificate per service (common name = the service's name, valid for 127.0.0.1 and localhost),
 * which the services present to each other (mTLS) and which the agent endpoint serves to agents.
 * Kept in a directory ({@code .meridian/tls} for {@code ./meridian up}); private keys are written
 * {@code 0600} and never leave it. A production deployment brings its own CA (cert-manager or
 * the platform's PKI) and the same three files per service.
 */
public final class DeploymentCa {

  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static volatile DeploymentCa shared;

  private final Path directory;
  private final X509Certificate certificate;
  private final PrivateKey key;

  /** A service's identity: the three files {@code meridian.tls.*} names. */
  public record Identity(String service, Path ca, Path certificate, Path privateKey) {
    /** The {@code --meridian.tls.*} arguments that give a service this identity. */
    public List<String> arguments() {
      return List.of("--meridian.tls.ca=" + ca, "--meridian.tls.certificate=" + certificate, "--meridian.tls.private-key=" + privateKey);
    }
  }

  private DeploymentCa(Path directory, X509Certificate certificate, PrivateKey key) {
    this.directory = directory;
    this.certificate = certificate;
    this.key = key;
  }

  /** The CA in {@code directory}, made there the first time (and again when it has expired). */
  public static synchronized DeploymentCa in(Path directory) {
    Path certFile = directory.resolve("ca.pem");
    Path keyFile = directory.resolve("ca-key.pem");
    try {
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        X509Certificate existing = readCertificate(certFile);
        if (existing.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(7)))) {
          return new DeploymentCa(directory, existing, readKey(keyFile));
        }
      }
      Files.createDirectories(directory);
      KeyPair pair = newKeyPair();
      X500Name name = new X500Name("CN=Meridian deployment CA " + Instant.now().getEpochSecond());
      X509v3CertificateBuilder builder = builder(name, name, pair)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate ca = sign(builder, pair.getPrivate());
      Secrets.write(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      Files.writeString(certFile, pem("CERTIFICATE", ca.getEncoded()));
      return new DeploymentCa(directory, ca, pair.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the deployment CA in " + directory, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the deployment CA", e);
    }
  }

  /** One CA per test JVM, in a temporary directory. */
  public static DeploymentCa shared() {
    if (shared == null) {
      synchronized (DeploymentCa.class) {
        if (shared == null) {
          try {
            shared = in(Files.createTempDirectory("meridian-ca"));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    return shared;
  }

  public Path caFile() {
    return directory.resolve("ca.pem");
  }

  /** The identity of {@code service}: issued now if there is none signed by this CA yet. */
  public synchronized Identity identity(String service) {
    Path certFile = directory.resolve(service + ".pem");
    Path keyFile = directory.resolve(service + "-key.pem");
    try {
      if (!Files.exists(certFile) || !Files.exists(keyFile) || !signedByThis(readCertificate(certFile))) {
        KeyPair pair = newKeyPair();
        X509v3CertificateBuilder builder = builder(new X500Name(certificate.getSubjectX500Principal().getName()),
            new X500Name("CN=" + service), pair)
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
            .addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
            .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.dNSName, service)}));
        X509Certificate issued = sign(builder, key);
        Secrets.write(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        Files.writeString(certFile, pem("CERTIFICATE", issued.getEncoded()));
      }
      return new Identity(service, caFile(), certFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the identity of " + service + " in " + directory, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate to " + service, e);
    }
  }

  private boolean signedByThis(X509Certificate issued) {
    try {
      issued.verify(certificate.getPublicKey());
      issued.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(7))));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair) throws GeneralSecurityException {
    Instant now = Instant.now();
    try {
      return new JcaX509v3CertificateBuilder(issuer, new BigInteger(128, RANDOM), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
    } catch (org.bouncycastle.cert.CertIOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] der(String pem) {
    return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
  }

  private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(Files.readString(file))));
  }
}
