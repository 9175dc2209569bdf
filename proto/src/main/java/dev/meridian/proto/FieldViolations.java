package dev.meridian.proto;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.stream.Collectors;

/**
 * INVALID_ARGUMENT with every problem as a {@code google.rpc.BadRequest} field violation whose
 * field is a JSON pointer: the gateway turns it into a 422 whose errors point at the fields.
 */
public final class FieldViolations {

  /** A problem at one field of the request. Records with these two components fit as they are. */
  public interface Located {
    String pointer();

    String message();
  }

  public record Violation(String pointer, String message) implements Located {}

  private FieldViolations() {}

  /**
   * {@code value} for a message: quoted, and cut short if long. Messages travel in gRPC trailers,
   * whose size is bounded, so an answer must never echo a huge input back.
   */
  public static String quote(String value) {
    return "'" + (value.length() > 60 ? value.substring(0, 60) + "…" : value) + "'";
  }

  public static StatusRuntimeException invalid(String what, List<? extends Located> problems) {
    BadRequest.Builder details = BadRequest.newBuilder();
    problems.forEach(problem -> details.addFieldViolations(
        BadRequest.FieldViolation.newBuilder().setField(problem.pointer()).setDescription(problem.message())));
    String message = what + ": " + problems.stream().map(p -> p.pointer() + ": " + p.message()).collect(Collectors.joining("; "));
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage(message).addDetails(Any.pack(details.build())).build());
  }
}
