package dev.meridian.gateway.identity;

import com.google.protobuf.Message;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.api.RequestOrg;
import dev.meridian.gateway.infra.GrpcErrors;
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
      refuse(call, new Refusal.Unauthenticated("the access token is not valid: " + e.getMessage()));
      return new ServerCall.Listener<>() {};
    }
    if (caller.isEmpty()) {
      refuse(call, new Refusal.Unauthenticated(
          "send an access token as metadata 'authorization: Bearer <token>' (POST /oauth2/token with an API key gives one)"));
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        String org = message instanceof Message proto ? RequestOrg.of(proto).map(RequestOrg::org).orElse(null) : null;
        Refusal refusal = switch (AccessPolicy.decideGrpc(method, org, caller.get())) {
          case AccessPolicy.Allow allow -> null;
          case AccessPolicy.Hidden hidden -> new Refusal.NotFound("not found");
          case AccessPolicy.Forbidden forbidden -> new Refusal.Forbidden(forbidden.detail());
        };
        if (refusal != null) {
          refused = true;
          refuse(call, refusal);
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

  private static void refuse(ServerCall<?, ?> call, Refusal refusal) {
    var exception = GrpcErrors.status(refusal);
    call.close(Status.fromThrowable(exception), Status.trailersFromThrowable(exception));
  }
}
