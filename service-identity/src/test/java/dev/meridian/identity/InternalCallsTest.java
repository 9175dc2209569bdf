package dev.meridian.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.testkit.DeploymentCa;
import dev.meridian.testkit.Ports;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An internal API behind mutual TLS answers only services of its deployment that are on its list
 * (per gRPC service where one server hosts APIs for different callers), and a target may list
 * several servers of which the channel uses those that answer.
 */
class InternalCallsTest {

  private static final DeploymentCa CA = DeploymentCa.shared();
  private static Server server;
  private static String target;

  @BeforeAll
  static void start() throws Exception {
    server = server(ServiceCallers.only(Set.of("gateway")));
    target = "127.0.0.1:" + server.getPort();
  }

  /** A health service behind mutual TLS and {@code callers}. */
  private static Server server(io.grpc.ServerInterceptor callers) throws java.io.IOException {
    DeploymentCa.Identity identity = CA.identity("tenant-service");
    var credentials = TlsServerCredentials.newBuilder()
        .keyManager(identity.certificate().toFile(), identity.privateKey().toFile())
        .trustManager(identity.ca().toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Ports.free()), credentials)
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), callers))
        .build().start();
  }

  @AfterAll
  static void stop() {
    server.shutdownNow();
  }

  private static HealthCheckResponse check(ManagedChannel channel) {
    try {
      return HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  private static ServiceTls tlsOf(DeploymentCa ca, String service) {
    DeploymentCa.Identity identity = ca.identity(service);
    return new ServiceTls(identity.ca(), identity.certificate(), identity.privateKey());
  }

  @Test
  void answersAServiceOnItsList() {
    assertThat(check(ServiceChannels.toService(target, tlsOf(CA, "gateway"))).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void refusesAServiceNotOnItsList() {
    assertThatThrownBy(() -> check(ServiceChannels.toService(target, tlsOf(CA, "execution-agent"))))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void refusesPlaintext() {
    assertThatThrownBy(() -> check(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void refusesTlsWithoutAClientCertificate() throws Exception {
    assertThatThrownBy(() -> check(ServiceChannels.toAgentEndpoint(target, CA.caFile())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void refusesACertificateOfAnotherDeployment() throws Exception {
    DeploymentCa other = DeploymentCa.in(Files.createTempDirectory("other-ca"));
    ServiceTls forged = new ServiceTls(CA.caFile(), other.identity("gateway").certificate(), other.identity("gateway").privateKey());
    assertThatThrownBy(() -> check(ServiceChannels.toService(target, forged)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aServiceWithItsOwnListAnswersOnlyTheCallersOnIt() throws Exception {
    Server peers = server(ServiceCallers.only(Set.of("gateway"), java.util.Map.of(HealthGrpc.SERVICE_NAME, Set.of("cluster-router"))));
    String peersTarget = "127.0.0.1:" + peers.getPort();
    try {
      assertThat(check(ServiceChannels.toService(peersTarget, tlsOf(CA, "cluster-router"))).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThatThrownBy(() -> check(ServiceChannels.toService(peersTarget, tlsOf(CA, "gateway"))))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    } finally {
      peers.shutdownNow();
    }
  }

  @Test
  void aTargetListingSeveralServersReachesOneThatAnswersWhenTheFirstIsDown() {
    String down = "127.0.0.1:" + Ports.free();
    for (int call = 0; call < 3; call++) {
      assertThat(check(ServiceChannels.toService(down + "," + target, tlsOf(CA, "gateway"))).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  @Test
  void writesPrivateKeysReadableByTheOwnerOnly() throws Exception {
    assertThat(Files.getPosixFilePermissions(CA.identity("gateway").privateKey()))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }
}
