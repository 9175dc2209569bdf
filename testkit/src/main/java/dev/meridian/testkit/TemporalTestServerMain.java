package dev.meridian.testkit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import java.io.File;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;

/**
 * Temporal's Java test server bound to 127.0.0.1 only (the stock main binds every interface).
 * Time skipping stays locked: signal waits must take real time in the local stack. Given a
 * certificate, its key and a CA, it serves mutual TLS only: the test server has no authentication
 * of its own, and every local process (a task on the shared cluster among them) could otherwise
 * start, signal or terminate any workflow.
 */
public final class TemporalTestServerMain {

  private TemporalTestServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
    if (args.length == 4) {
      builder.sslContext(GrpcSslContexts.forServer(new File(args[1]), new File(args[2]))
          .trustManager(new File(args[3])).clientAuth(ClientAuth.REQUIRE).build());
    }
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      services.close();
    }));
    System.out.println("Temporal test server listening on 127.0.0.1:" + port);
    server.awaitTermination();
  }
}
