package dev.meridian.gateway.identity;

import com.google.protobuf.Message;
import dev.meridian.gateway.api.RequestOrg;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.stereotype.Component;

/**
 * The gRPC side of {@link ApiSecurity}: every call of {@code meridian.api.v1} carries
 * {@code authorization: Bearer <token>} (else UNAUTHENTICATED), and the {@link AccessPolicy} decides
 * on the org its request names (NOT_FOUND for another org's, PERMISSION_DENIED for a role that may not).
 */
@Component
@GlobalServerInterceptor
@Order(Ordered.HIGHEST_PRECEDENCE)
class GrpcAuthentication implements ServerInterceptor {

  /** The authenticated caller, for the service handling the call. */
  static final Context.Key<Caller> CALLER = Context.key("meridian-caller");

  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final JwtDecoder decoder;

  GrpcAuthentication(JwtDecoder decoder) {
    this.decoder = decoder;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith("meridian.api.v1.")) {
      return next.startCall(call, headers);
    }
    List<String> token = Tokens.bearer(headers.get(AUTHORIZATION));
    Optional<Caller> caller;
    try {
      caller = token.isEmpty() ? Optional.empty() : Caller.of(decoder.decode(token.getFirst()));
    } catch (JwtException e) {
      call.close(Status.UNAUTHENTICATED.withDescription("the access token is not valid: " + e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (caller.isEmpty()) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "send an access token as metadata 'authorization: Bearer <token>' (POST /oauth2/token with an API key gives one)"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        String org = message instanceof Message proto ? RequestOrg.of(proto).map(RequestOrg::org).orElse(null) : null;
        Status status = switch (AccessPolicy.decideGrpc(method, org, caller.get())) {
          case AccessPolicy.Allow allow -> null;
          case AccessPolicy.Hidden hidden -> Status.NOT_FOUND.withDescription("not found");
          case AccessPolicy.Forbidden forbidden -> Status.PERMISSION_DENIED.withDescription(forbidden.detail());
        };
        if (status != null) {
          refused = true;
          call.close(status, new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
