package dev.meridian.identity;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The service's identity on the internal network: a certificate issued by the deployment's CA (its
 * common name is the service's name) and the CA that every internal peer must be signed by. The
 * same three files serve both ends of every internal hop: the server asks callers for a
 * certificate signed by {@code ca}, clients present {@code certificate} and check the server's
 * against {@code ca}. See docs/security.md.
 *
 * @param ca PEM bundle of the deployment CA
 * @param certificate PEM certificate chain of this service
 * @param privateKey PEM (PKCS#8) private key of {@code certificate}; readable by the service only
 */
@Validated
@ConfigurationProperties("meridian.tls")
public record ServiceTls(
    @NotNull(message = "set meridian.tls.ca to the deployment CA's PEM file (./meridian up makes one under .meridian/tls)") Path ca,
    @NotNull(message = "set meridian.tls.certificate to this service's PEM certificate") Path certificate,
    @NotNull(message = "set meridian.tls.private-key to this service's PEM private key") Path privateKey) {

  public ServiceTls {
    for (Path file : new Path[] {ca, certificate, privateKey}) {
      if (file != null && !Files.isReadable(file)) {
        throw new IllegalArgumentException("cannot read " + file + " (meridian.tls.*): is the deployment's CA material there?");
      }
    }
  }
}
