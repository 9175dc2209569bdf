package dev.meridian.tenancy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Moves the {@link TenantContext} across gRPC calls in the {@code meridian-org} and {@code meridian-execution-id} metadata. */
public final class TenancyGrpc {

  static final Metadata.Key<String> ORG = Metadata.Key.of("meridian-org", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> EXECUTION =
      Metadata.Key.of("meridian-execution-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<TenantContext> CONTEXT_KEY = Context.key("meridian-tenant");

  private TenancyGrpc() {}

  /** Adds the current tenant (if any) to every outgoing call's metadata. */
  public static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            TenantContext.current().ifPresent(tenant -> {
              headers.put(ORG, tenant.org());
              if (tenant.executionId() != null) {
                headers.put(EXECUTION, tenant.executionId());
              }
            });
            super.start(listener, headers);
          }
        };
      }
    };
  }

  /** Reads the tenant from incoming metadata into the gRPC context; see {@link #current()}. */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String org = headers.get(ORG);
        if (org == null || org.isBlank()) {
          return next.startCall(call, headers);
        }
        Context context = Context.current().withValue(CONTEXT_KEY, new TenantContext(org, headers.get(EXECUTION)));
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  /** The tenant the current server call was made for, if the caller sent one. */
  public static java.util.Optional<TenantContext> current() {
    return java.util.Optional.ofNullable(CONTEXT_KEY.get());
  }
}
