package dev.meridian.router.agent;

import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.tenancy.TenancyGrpc;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.ServerServiceDefinitionFilter;

/**
 * The only listener customer clusters reach: TLS (no plaintext variant), serving the agent stream
 * service and nothing else. The internal gRPC server, which Spring runs, leaves the agent service
 * out, so an agent cannot reach ExecutionRouter or ClusterRegistry, and a stolen cluster token
 * cannot be replayed against the internal port.
 */
@Configuration(proxyBeanMethods = false)
class AgentEndpoint {

  private static final Logger log = LoggerFactory.getLogger(AgentEndpoint.class);

  /** Keeps the agent service off Spring's (internal) gRPC server. */
  @Bean
  ServerServiceDefinitionFilter internalServerLeavesOutAgents() {
    return (service, factory) -> !service.getServiceDescriptor().getName().equals(AgentServiceGrpc.SERVICE_NAME);
  }

  @Bean
  SmartLifecycle agentEndpointServer(AgentStreamService agents, AgentProperties properties, ServiceTls tls) {
    AgentProperties.Endpoint endpoint = properties.endpoint();
    Path certificate = endpoint.certificate() != null ? endpoint.certificate() : tls.certificate();
    Path privateKey = endpoint.privateKey() != null ? endpoint.privateKey() : tls.privateKey();
    return new SmartLifecycle() {
      private Server server;

      @Override
      public void start() {
        try {
          server = NettyServerBuilder.forAddress(new InetSocketAddress(endpoint.address(), endpoint.port()),
                  TlsServerCredentials.create(certificate.toFile(), privateKey.toFile()))
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .maxInboundMessageSize(4 * 1024 * 1024)
              .addService(ServerInterceptors.intercept(agents, TenancyGrpc.serverInterceptor()))
              .build().start();
          log.info("agent endpoint listening on {}:{} (TLS)", endpoint.address(), endpoint.port());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open the agent endpoint on " + endpoint.address() + ":" + endpoint.port(), e);
        }
      }

      @Override
      public void stop() {
        server.shutdown();
        try {
          if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          server.shutdownNow();
        }
      }

      @Override
      public boolean isRunning() {
        return server != null && !server.isShutdown();
      }
    };
  }
}
