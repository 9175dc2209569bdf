package dev.meridian.router.infra;

import dev.meridian.identity.ServiceCallers;
import dev.meridian.identity.ServiceTls;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ServerInterceptor;
import dev.meridian.proto.router.v1.RouterPeersGrpc;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;

/**
 * The router's internal gRPC server answers over mutual TLS with the deployment CA (application.yaml):
 * ExecutionRouter and ClusterRegistry the gateway only, RouterPeers the other routers only. Agents
 * never reach it: they have the agent endpoint.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServiceTls.class)
class GrpcTenancy {

  @Bean
  @GlobalServerInterceptor
  @Order(0)
  ServerInterceptor internalCallers() {
    return ServiceCallers.only(Set.of("gateway"), Map.of(RouterPeersGrpc.SERVICE_NAME, Set.of("cluster-router"),
        dev.meridian.proto.router.v1.MeteringGrpc.SERVICE_NAME, Set.of("billing")));
  }

  @Bean
  @GlobalServerInterceptor
  @Order(1)
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }
}
