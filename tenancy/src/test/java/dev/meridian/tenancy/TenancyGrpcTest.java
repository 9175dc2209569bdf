package dev.meridian.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TenancyGrpcTest {

  @Test
  void carriesOrgAndExecutionFromClientScopeToServerCall() throws Exception {
    AtomicReference<TenantContext> seen = new AtomicReference<>();
    var service = new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
        seen.set(TenancyGrpc.current().orElse(null));
        response.onNext(HealthCheckResponse.getDefaultInstance());
        response.onCompleted();
      }
    };
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(service, TenancyGrpc.serverInterceptor()))
        .build()
        .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).intercept(TenancyGrpc.clientInterceptor()).build();
    try (var scope = TenantContext.ofExecution("acme", "ex-1").open()) {
      assertThat(MDC.get(TenantContext.MDC_ORG)).isEqualTo("acme");
      HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
    assertThat(seen.get()).isEqualTo(TenantContext.ofExecution("acme", "ex-1"));
    assertThat(MDC.get(TenantContext.MDC_ORG)).isNull();
  }
}
