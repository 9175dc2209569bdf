package dev.meridian.devstack;

import dev.meridian.testkit.TestSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local stack per test JVM, on free ports, started on first use. Tests get a {@link Tenant}:
 * a fresh org with project {@code proj} and the quickstart example registered in its development domain.
 */
final class LocalStackExtension implements ParameterResolver {

  /** Short, so the crash tests see a lost agent quickly. */
  static final Duration LOST_AFTER = Duration.ofSeconds(8);
  private static volatile LocalStack stack;

  static LocalStack stack() {
    if (stack == null) {
      synchronized (LocalStackExtension.class) {
        if (stack == null) {
          try {
            // Traversable (not listable) by other users, like ./meridian up's .meridian/: an agent running as
            // root then runs each org's tasks as a user of its own, as it would there.
            var home = Files.createTempDirectory("meridian-e2e-",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x")));
            var options = new LocalStack.Options(home, LocalStack.repositoryRoot(), LocalStack.Layout.free(), false, LOST_AFTER);
            LocalStack started = LocalStack.start(options);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "e2e-stack-stop"));
            stack = started;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    return stack;
  }

  /** A fresh org of the shared stack, seen through the public API only, by an owner API key of it. */
  record Tenant(LocalStack stack, MeridianClient api, String org, String scope) {
    String execution(String id) {
      return scope + "/executions/" + id;
    }
  }

  static Tenant newTenant() {
    LocalStack stack = stack();
    String org = TestSlice.newOrg();
    MeridianClient api = stack.newOrg(org, org, "owner@" + org + ".test");
    expect(api.post("/api/v1/orgs/" + org + "/projects", Map.of("id", "proj", "name", "Proj")), 201);
    String scope = "/api/v1/orgs/" + org + "/projects/proj/domains/development";
    Examples.register(api, scope);
    return new Tenant(stack, api, org, scope);
  }

  /** A channel to the gateway's gRPC API whose calls carry the tenant's access token. */
  static io.grpc.ManagedChannel grpc(Tenant tenant) {
    io.grpc.Metadata.Key<String> authorization = io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(tenant.stack().gatewayGrpcTarget()).usePlaintext()
        .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer(authorization, tenant.api().token()))).build();
  }

  private static io.grpc.Metadata bearer(io.grpc.Metadata.Key<String> key, String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(key, "Bearer " + token);
    return headers;
  }

  private static void expect(MeridianClient.Response response, int status) {
    if (response.status() != status) {
      throw new IllegalStateException("expected " + status + " but got " + response.status() + ": " + response.body());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Tenant.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return newTenant();
  }
}
