package dev.meridian.gateway.infra;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/**
 * The one place where refusals become gRPC statuses: 404 NOT_FOUND, 409 ALREADY_EXISTS, 400 and
 * 422 INVALID_ARGUMENT with a {@code google.rpc.BadRequest} whose field violations carry the JSON
 * pointers, 503 UNAVAILABLE with {@code google.rpc.RetryInfo}.
 */
public final class GrpcErrors {

  private GrpcErrors() {}

  public static <T, R> void respond(Outcome<T> outcome, Function<T, R> body, StreamObserver<R> response) {
    switch (outcome) {
      case Outcome.Done<T> done -> {
        response.onNext(body.apply(done.value()));
        response.onCompleted();
      }
      case Outcome.Refused<T> refused -> response.onError(status(refused.refusal()));
    }
  }

  public static StatusRuntimeException status(Refusal refusal) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setMessage(refusal.detail());
    switch (refusal) {
      case Refusal.Unauthenticated r -> status.setCode(Code.UNAUTHENTICATED_VALUE);
      case Refusal.NotFound r -> status.setCode(Code.NOT_FOUND_VALUE);
      case Refusal.Forbidden r -> status.setCode(Code.PERMISSION_DENIED_VALUE);
      case Refusal.Conflict r -> status.setCode(Code.ALREADY_EXISTS_VALUE);
      case Refusal.TooLarge r -> status.setCode(Code.RESOURCE_EXHAUSTED_VALUE);
      case Refusal.Malformed r -> status.setCode(Code.INVALID_ARGUMENT_VALUE).addDetails(Any.pack(badRequest(r.errors())));
      case Refusal.Invalid r -> status.setCode(Code.INVALID_ARGUMENT_VALUE).addDetails(Any.pack(badRequest(r.errors())));
      case Refusal.Unavailable r -> status.setCode(Code.UNAVAILABLE_VALUE).addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(Duration.newBuilder().setSeconds(Long.parseLong(RestErrors.RETRY_AFTER_SECONDS))).build()));
      case Refusal.Throttled r -> status.setCode(Code.RESOURCE_EXHAUSTED_VALUE).addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(Duration.newBuilder().setSeconds(r.retryAfterSeconds())).build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  private static BadRequest badRequest(java.util.List<dev.meridian.workflow.Violation> violations) {
    BadRequest.Builder request = BadRequest.newBuilder();
    violations.forEach(v -> request.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(v.pointer()).setDescription(v.message())));
    return request.build();
  }
}
