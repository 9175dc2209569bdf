package dev.meridian.gateway.infra;

import dev.meridian.gateway.api.Json;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.workflow.Violation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The one place where refusals become RFC 9457 problem+json. A 500 shows only a correlation id;
 * the exception is logged under that id.
 */
@RestControllerAdvice
public class RestErrors {

  private static final Logger log = LoggerFactory.getLogger(RestErrors.class);
  static final String RETRY_AFTER_SECONDS = "5";

  public static <T> ResponseEntity<?> respond(Outcome<T> outcome, Function<T, ?> body) {
    return switch (outcome) {
      case Outcome.Done<T> done -> ResponseEntity.status(done.created() ? HttpStatus.CREATED : HttpStatus.OK).body(body.apply(done.value()));
      case Outcome.Refused<T> refused -> problem(refused.refusal());
    };
  }

  public static ResponseEntity<ProblemDetail> problem(Refusal refusal) {
    HttpStatus status = switch (refusal) {
      case Refusal.Unauthenticated r -> HttpStatus.UNAUTHORIZED;
      case Refusal.NotFound r -> HttpStatus.NOT_FOUND;
      case Refusal.Forbidden r -> HttpStatus.FORBIDDEN;
      case Refusal.Conflict r -> HttpStatus.CONFLICT;
      case Refusal.TooLarge r -> HttpStatus.CONTENT_TOO_LARGE;
      case Refusal.Malformed r -> HttpStatus.BAD_REQUEST;
      case Refusal.Invalid r -> HttpStatus.UNPROCESSABLE_CONTENT;
      case Refusal.Unavailable r -> HttpStatus.SERVICE_UNAVAILABLE;
      case Refusal.Throttled r -> HttpStatus.TOO_MANY_REQUESTS;
    };
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, refusal.detail());
    problem.setType(URI.create("https://meridian.dev/problems/" + switch (refusal) {
      case Refusal.Unauthenticated r -> "unauthenticated";
      case Refusal.NotFound r -> "not-found";
      case Refusal.Forbidden r -> "forbidden";
      case Refusal.Conflict r -> "conflict";
      case Refusal.TooLarge r -> "too-large";
      case Refusal.Malformed r -> "malformed-request";
      case Refusal.Invalid r -> "invalid";
      case Refusal.Unavailable r -> "unavailable";
      case Refusal.Throttled r -> "too-many-requests";
    }));
    List<Violation> errors = switch (refusal) {
      case Refusal.Invalid invalid -> invalid.errors();
      case Refusal.Malformed malformed -> malformed.errors();
      default -> List.of();
    };
    if (!errors.isEmpty()) {
      problem.setProperty("errors", errors.stream().map(v -> Map.of("pointer", v.pointer(), "message", v.message())).toList());
    }
    var response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (refusal instanceof Refusal.Unauthenticated) {
      response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    } else if (refusal instanceof Refusal.Unavailable) {
      response.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    } else if (refusal instanceof Refusal.Throttled throttled) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(throttled.retryAfterSeconds()));
      problem.setProperty("retryAfterSeconds", throttled.retryAfterSeconds());
    }
    return response.body(problem);
  }

  /**
   * The same problem+json, written by a servlet filter that answers before Spring MVC (security,
   * rate limits): the problem's extra properties are flattened as Spring's converter would.
   */
  public static void write(Refusal refusal, HttpServletRequest request, HttpServletResponse response) throws IOException {
    ResponseEntity<ProblemDetail> problem = problem(refusal);
    ProblemDetail detail = problem.getBody();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", String.valueOf(detail.getType()));
    body.put("title", detail.getTitle());
    body.put("status", detail.getStatus());
    body.put("detail", detail.getDetail());
    body.put("instance", request.getRequestURI());
    if (detail.getProperties() != null) {
      body.putAll(detail.getProperties());
    }
    response.setStatus(problem.getStatusCode().value());
    problem.getHeaders().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    response.getOutputStream().write(Json.MAPPER.writeValueAsBytes(body));
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
    if (e.getMostSpecificCause() instanceof tools.jackson.core.exc.StreamConstraintsException) {
      return problem(new Refusal.Invalid("the request body is outside the limits of the API", List.of(new Violation("",
          "JSON may nest at most " + JsonLimits.MAX_DEPTH + " levels deep, and numbers and strings have limits too: "
              + firstLine(e.getMostSpecificCause().getMessage())))));
    }
    return problem(new Refusal.Malformed("the request body is not valid JSON: "
        + (e.getMostSpecificCause() == null ? e.getMessage() : firstLine(e.getMostSpecificCause().getMessage())), List.of()));
  }

  /**
   * A value of the wrong JSON type that a parse path read without checking it first: still the
   * caller's mistake, so a 422, never a 500. The parse paths check types and locate the error; this
   * is the net under them.
   */
  @ExceptionHandler(tools.jackson.databind.exc.JsonNodeException.class)
  ResponseEntity<ProblemDetail> wrongType(tools.jackson.databind.exc.JsonNodeException e) {
    log.warn("a request value of the wrong type reached an unchecked read: {}", firstLine(e.getMessage()));
    return problem(new Refusal.Invalid("a value in the request has the wrong type or is out of range", List.of(
        new Violation("", firstLine(e.getOriginalMessage())))));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> badParameter(MethodArgumentTypeMismatchException e) {
    return problem(new Refusal.Malformed("parameter '" + e.getName() + "' has an invalid value", List.of()));
  }

  @ExceptionHandler(MissingRequestHeaderException.class)
  ResponseEntity<ProblemDetail> missingHeader(MissingRequestHeaderException e) {
    return problem(new Refusal.Malformed("header '" + e.getHeaderName() + "' is required", List.of()));
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> noSuchPath(NoResourceFoundException e) {
    return problem(new Refusal.NotFound("no such resource: /" + e.getResourcePath()));
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<ProblemDetail> wrongMethod(HttpRequestMethodNotSupportedException e) {
    return plain(HttpStatus.METHOD_NOT_ALLOWED, e.getMethod() + " is not supported here");
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<ProblemDetail> wrongMediaType(HttpMediaTypeNotSupportedException e) {
    return plain(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json");
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    String correlation = UUID.randomUUID().toString();
    log.error("unexpected error, correlation id {}", correlation, e);
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
        "an unexpected error occurred; quote correlation id " + correlation + " when you report it");
    problem.setProperty("correlationId", correlation);
    return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  private static ResponseEntity<ProblemDetail> plain(HttpStatusCode status, String detail) {
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(ProblemDetail.forStatusAndDetail(status, detail));
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("");
  }
}
