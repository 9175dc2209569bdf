package dev.meridian.router.infra;

import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ServerInterceptor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;

@Configuration(proxyBeanMethods = false)
class GrpcTenancy {
  @Bean
  @GlobalServerInterceptor
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }
}
