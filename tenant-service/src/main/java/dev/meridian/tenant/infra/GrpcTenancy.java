package dev.meridian.tenant.infra;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.meridian.identity.ForwardedCaller;
import dev.meridian.identity.ServiceCallers;
import dev.meridian.identity.VerifiedCaller;
import dev.meridian.tenancy.TenancyGrpc;
import dev.meridian.tenant.identity.IdentityProperties;
import io.grpc.ServerInterceptor;
import java.util.Optional;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The internal gRPC API answers only the gateway and the router (mutual TLS with the deployment CA,
 * see application.yaml), and reads the end user from the access token the gateway forwards.
 */
@Configuration(proxyBeanMethods = false)
class GrpcTenancy {

  /** Outermost: who may call at all is decided before anything reads the request. */
  @Bean
  @GlobalServerInterceptor
  @Order(0)
  ServerInterceptor internalCallers() {
    return ServiceCallers.only(Set.of("gateway", "cluster-router"));
  }

  @Bean
  @GlobalServerInterceptor
  @Order(1)
  ServerInterceptor forwardedCaller(JWKSource<SecurityContext> signingKeys, IdentityProperties identity) {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(signingKeys).build();
    decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(identity.issuer()));
    return ForwardedCaller.serverInterceptor(token -> {
      try {
        return VerifiedCaller.fromClaims(decoder.decode(token).getClaims());
      } catch (JwtException e) {
        return Optional.empty();
      }
    });
  }

  @Bean
  @GlobalServerInterceptor
  @Order(2)
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }
}
