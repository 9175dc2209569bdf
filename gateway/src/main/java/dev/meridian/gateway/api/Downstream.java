package dev.meridian.gateway.api;

import io.grpc.Status;
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
      case ALREADY_EXISTS, FAILED_PRECONDITION -> Optional.of(new Refusal.Conflict(description));
      case INVALID_ARGUMENT -> Optional.of(new Refusal.Invalid(description, java.util.List.of()));
      case UNAVAILABLE, DEADLINE_EXCEEDED -> Optional.of(new Refusal.Unavailable(service + " is unavailable; retry shortly"));
      default -> Optional.empty();
    };
  }

  public static boolean isNotFound(StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.NOT_FOUND;
  }
}
