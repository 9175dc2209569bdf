package dev.meridian.identity;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The one way Meridian opens a gRPC channel. There is no plaintext variant: between services the
 * channel is mutually authenticated with the deployment CA; an agent checks the agent endpoint's
 * certificate against the CA bundle it was given (or the JVM's trust store, for a publicly signed
 * endpoint).
 */
public final class ServiceChannels {

  static {
    io.grpc.NameResolverRegistry.getDefaultRegistry().register(new AddressList());
  }

  private ServiceChannels() {}

  /**
   * A channel to another service's internal API, presenting this service's certificate. {@code target}
   * may list several servers ({@code host:port,host:port}); calls are spread over those that answer.
   */
  public static ManagedChannel toService(String target, ServiceTls tls, ClientInterceptor... interceptors) {
    try {
      ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
          .keyManager(tls.certificate().toFile(), tls.privateKey().toFile())
          .trustManager(tls.ca().toFile())
          .build();
      var channel = Grpc.newChannelBuilder(AddressList.target(target), credentials).intercept(interceptors);
      if (AddressList.isList(target)) {
        channel.defaultLoadBalancingPolicy("round_robin");
      }
      return channel.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the service's TLS material for a channel to " + target, e);
    }
  }

  /**
   * The client side of mutual TLS as a Netty context, for clients that build their own channels
   * (Temporal's service stubs).
   */
  public static SslContext clientContext(ServiceTls tls) {
    try {
      return GrpcSslContexts.forClient().keyManager(tls.certificate().toFile(), tls.privateKey().toFile())
          .trustManager(tls.ca().toFile()).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the service's TLS context from " + tls, e);
    }
  }

  /**
   * An agent's channel to the agent endpoint: TLS, the endpoint's certificate checked against
   * {@code caBundle} (null: the JVM's default trust store), kept alive across idle periods. {@code target}
   * may list several endpoints: the stream goes to the first that answers, and to the next when it
   * goes away.
   */
  public static ManagedChannel toAgentEndpoint(String target, Path caBundle, ClientInterceptor... interceptors) {
    try {
      TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
      if (caBundle != null) {
        credentials.trustManager(caBundle.toFile());
      }
      return NettyChannelBuilder.forTarget(AddressList.target(target), credentials.build())
          .keepAliveTime(20, TimeUnit.SECONDS)
          .keepAliveWithoutCalls(true)
          .intercept(interceptors)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the agent endpoint's CA bundle " + caBundle, e);
    }
  }
}
