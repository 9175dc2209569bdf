package dev.meridian.identity;

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
import io.grpc.Status;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The end user behind an internal call. The gateway forwards the caller's access token itself (in
 * {@code meridian-caller-token}), not a role or an actor it claims; the callee verifies the token's
 * signature and reads the caller from it. An internal callee never takes a role from a request field.
 */
public final class ForwardedCaller {

  static final Metadata.Key<String> TOKEN = Metadata.Key.of("meridian-caller-token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<VerifiedCaller> CALLER = Context.key("meridian-verified-caller");

  private ForwardedCaller() {}

  /** Adds the current caller's access token, when there is one, to every outgoing call. */
  public static ClientInterceptor clientInterceptor(Supplier<Optional<String>> currentToken) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            currentToken.get().ifPresent(token -> headers.put(TOKEN, token));
            super.start(listener, headers);
          }
        };
      }
    };
  }

  /**
   * Verifies a forwarded token with {@code verify} (empty: not valid) and makes the caller {@link
   * #current()} for the call; a call with a token that does not verify is refused as {@code
   * UNAUTHENTICATED}. A call without one goes on with no caller: the method decides whether it needs one.
   */
  public static ServerInterceptor serverInterceptor(Function<String, Optional<VerifiedCaller>> verify) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String token = headers.get(TOKEN);
        if (token == null) {
          return next.startCall(call, headers);
        }
        Optional<VerifiedCaller> caller = verify.apply(token);
        if (caller.isEmpty()) {
          call.close(Status.UNAUTHENTICATED.withDescription("the forwarded caller's token does not verify"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
      }
    };
  }

  /** The verified caller of the current internal call, if its token was forwarded. */
  public static Optional<VerifiedCaller> current() {
    return Optional.ofNullable(CALLER.get());
  }
}
