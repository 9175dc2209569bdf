package dev.meridian.tenant;

import dev.meridian.identity.ForwardedCaller;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.testkit.DeploymentCa;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;
import java.util.List;
import java.util.Optional;

/** How the tests reach tenant-service's internal API: as a service of the deployment, for a caller. */
public final class InternalApi {

  private InternalApi() {}

  /** The {@code --meridian.tls.*} arguments that make the service under test tenant-service of the test CA. */
  public static List<String> serviceIdentity() {
    return DeploymentCa.shared().identity("tenant-service").arguments();
  }

  /** A channel as {@code service} would open it (mutual TLS with the test CA). */
  public static ManagedChannel channelAs(String service, int port) {
    DeploymentCa.Identity identity = DeploymentCa.shared().identity(service);
    return ServiceChannels.toService("127.0.0.1:" + port, new ServiceTls(identity.ca(), identity.certificate(), identity.privateKey()));
  }

  /** {@code stub} forwarding {@code accessToken} as the gateway does for the person or key behind a request. */
  public static <S extends AbstractStub<S>> S actingAs(S stub, String accessToken) {
    return stub.withInterceptors(ForwardedCaller.clientInterceptor(() -> Optional.of(accessToken)));
  }
}
