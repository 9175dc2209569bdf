package dev.meridian.gateway.api;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.meridian.workflow.Violation;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.function.Supplier;

/** Calls to internal services, with their gRPC failures turned into refusals. */
public final class Downstream {

  private Downstream() {}

  public static <T> Outcome<T> call(String service, Supplier<T> call) {
    try {
      return Outcome.existing(call.get());
    } catch (StatusRuntimeException e) {
      return Outcome.refused(refusal(service, e).orElseThrow(() -> e));
    }
  }

  public static Optional<Refusal> refusal(String service, StatusRuntimeException e) {
    String description = e.getStatus().getDescription() == null ? service + " refused the request" : e.getStatus().getDescription();
    return switch (e.getStatus().getCode()) {
      case NOT_FOUND -> Optional.of(new Refusal.NotFound(description));
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> Optional.of(new Refusal.Conflict(description));
      case PERMISSION_DENIED -> Optional.of(new Refusal.Forbidden(description));
      case INVALID_ARGUMENT -> Optional.of(new Refusal.Invalid(description, violations(e)));
      case UNAVAILABLE, DEADLINE_EXCEEDED -> Optional.of(new Refusal.Unavailable(service + " is unavailable; retry shortly"));
      default -> Optional.empty();
    };
  }

  /** The located errors an internal service attached as {@code google.rpc.BadRequest}; field names are JSON pointers. */
  private static List<Violation> violations(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    List<Violation> violations = new ArrayList<>();
    if (status == null) {
      return violations;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        try {
          detail.unpack(BadRequest.class).getFieldViolationsList()
              .forEach(v -> violations.add(new Violation(v.getField(), v.getDescription())));
        } catch (InvalidProtocolBufferException unreadable) {
          return violations;
        }
      }
    }
    return violations;
  }

  public static boolean isNotFound(StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.NOT_FOUND;
  }
}
