package dev.meridian.gateway.api;

import dev.meridian.workflow.Violation;
import java.util.List;

/**
 * Why a use case said no. Each edge (REST, gRPC) maps these in exactly one place:
 * {@code RestErrors} to problem+json, {@code GrpcErrors} to a status.
 */
public sealed interface Refusal {

  String detail();

  /** 404: absent, or belongs to another org — the two are indistinguishable on purpose. */
  record NotFound(String detail) implements Refusal {}

  /** 401: no access token, or one that is not valid (expired, tampered, revoked, not for this API). */
  record Unauthenticated(String detail) implements Refusal {}

  /** 403: the caller may act in this org, but its role may not do this (e.g. an admin making someone owner). */
  record Forbidden(String detail) implements Refusal {}

  /** 409: e.g. an immutable version re-registered with a different body. */
  record Conflict(String detail) implements Refusal {}

  /** 400: the request cannot be read. */
  record Malformed(String detail, List<Violation> errors) implements Refusal {}

  /** 422: well-formed but semantically invalid; every error is located by a JSON pointer. */
  record Invalid(String detail, List<Violation> errors) implements Refusal {
    public Invalid {
      errors = List.copyOf(errors);
    }
  }

  /** 413: the request body is over the limit; nothing of it past the limit was read. */
  record TooLarge(String detail) implements Refusal {}

  /** 503: a dependency is down; nothing was created. */
  record Unavailable(String detail) implements Refusal {}

  /** 429: a rate or queue limit of the org; nothing was created; retrying after {@code retryAfter} is likely to succeed. */
  record Throttled(String detail, java.time.Duration retryAfter) implements Refusal {
    /** Whole seconds, rounded up and at least one: what Retry-After can say. */
    public long retryAfterSeconds() {
      return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
  }
}
