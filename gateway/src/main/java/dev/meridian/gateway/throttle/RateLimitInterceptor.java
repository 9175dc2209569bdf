package dev.meridian.gateway.throttle;

import com.google.protobuf.Message;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.api.RequestOrg;
import dev.meridian.gateway.infra.GrpcErrors;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * The gRPC side of {@link RateLimitFilter}: each call of the public API takes a token from the
 * bucket of the org its request names ({@code org}, or {@code scope.org}); TerminateExecution
 * never does. A refused call ends with RESOURCE_EXHAUSTED and {@code google.rpc.RetryInfo}.
 */
@Component
@GlobalServerInterceptor
class RateLimitInterceptor implements ServerInterceptor {

  private static final String TERMINATE = "meridian.api.v1.ExecutionService/TerminateExecution";

  private final RateLimits limits;

  RateLimitInterceptor(RateLimits limits) {
    this.limits = limits;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith("meridian.api.v1.") || method.equals(TERMINATE)) {
      return next.startCall(call, headers);
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        Optional<Refusal.Throttled> throttled = message instanceof Message proto ? take(proto) : Optional.empty();
        if (throttled.isPresent()) {
          refused = true;
          var exception = GrpcErrors.status(throttled.get());
          call.close(Status.fromThrowable(exception), Status.trailersFromThrowable(exception));
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

  private Optional<Refusal.Throttled> take(Message request) {
    return RequestOrg.of(request).flatMap(named -> limits.take(named.org(), named.project()));
  }
}
