package dev.meridian.gateway.infra;

import dev.meridian.proto.router.v1.ClusterRegistryGrpc;
import dev.meridian.proto.router.v1.ExecutionRouterGrpc;
import dev.meridian.proto.tenant.v1.AccountsGrpc;
import dev.meridian.proto.tenant.v1.ApiKeysGrpc;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc;
import dev.meridian.gateway.identity.Caller;
import dev.meridian.identity.ForwardedCaller;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServiceTls.class)
class GrpcClients {

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel tenantServiceChannel(ClientsProperties clients, ServiceTls tls) {
    return channel(clients.tenantService(), tls);
  }

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel clusterRouterChannel(ClientsProperties clients, ServiceTls tls) {
    return channel(clients.clusterRouter(), tls);
  }

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel secretsBrokerChannel(ClientsProperties clients, ServiceTls tls) {
    return channel(clients.secretsBroker(), tls);
  }

  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel billingChannel(ClientsProperties clients, ServiceTls tls) {
    return channel(clients.billing(), tls);
  }

  @Bean
  dev.meridian.proto.billing.v1.BillingGrpc.BillingBlockingStub billingStub(ManagedChannel billingChannel) {
    return dev.meridian.proto.billing.v1.BillingGrpc.newBlockingStub(billingChannel);
  }

  @Bean
  dev.meridian.proto.secrets.v1.SecretsGrpc.SecretsBlockingStub secretsStub(ManagedChannel secretsBrokerChannel) {
    return dev.meridian.proto.secrets.v1.SecretsGrpc.newBlockingStub(secretsBrokerChannel);
  }

  @Bean
  TenantDirectoryGrpc.TenantDirectoryBlockingStub tenantDirectory(ManagedChannel tenantServiceChannel) {
    return TenantDirectoryGrpc.newBlockingStub(tenantServiceChannel);
  }

  @Bean
  ApiKeysGrpc.ApiKeysBlockingStub apiKeysStub(ManagedChannel tenantServiceChannel) {
    return ApiKeysGrpc.newBlockingStub(tenantServiceChannel);
  }

  @Bean
  AccountsGrpc.AccountsBlockingStub accountsStub(ManagedChannel tenantServiceChannel) {
    return AccountsGrpc.newBlockingStub(tenantServiceChannel);
  }

  @Bean
  QuotaConfigGrpc.QuotaConfigBlockingStub quotaConfig(ManagedChannel tenantServiceChannel) {
    return QuotaConfigGrpc.newBlockingStub(tenantServiceChannel);
  }

  @Bean
  ExecutionRouterGrpc.ExecutionRouterBlockingStub executionRouter(ManagedChannel clusterRouterChannel) {
    return ExecutionRouterGrpc.newBlockingStub(clusterRouterChannel);
  }

  @Bean
  ClusterRegistryGrpc.ClusterRegistryBlockingStub clusterRegistry(ManagedChannel clusterRouterChannel) {
    return ClusterRegistryGrpc.newBlockingStub(clusterRouterChannel);
  }

  @Bean
  @GlobalServerInterceptor
  ServerInterceptor tenancyServerInterceptor() {
    return TenancyGrpc.serverInterceptor();
  }

  /** Internal calls carry the tenant and the caller's own access token, which the callee verifies. */
  private static ManagedChannel channel(String target, ServiceTls tls) {
    return ServiceChannels.toService(target, tls, TenancyGrpc.clientInterceptor(),
        ForwardedCaller.clientInterceptor(() -> Caller.currentCaller().map(Caller::token)));
  }
}
