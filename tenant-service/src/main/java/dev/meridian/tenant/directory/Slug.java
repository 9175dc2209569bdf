package dev.meridian.tenant.directory;

import dev.meridian.proto.FieldViolations;
import java.util.Optional;
import java.util.regex.Pattern;

/** Org slugs and project ids: what may appear in a URL path segment. */
public final class Slug {

  private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9-]{1,38}[a-z0-9]");

  private Slug() {}

  /** Empty when valid, otherwise why not. */
  public static Optional<String> problem(String field, String value) {
    if (value == null || value.isBlank()) {
      return Optional.of(field + " is required");
    }
    if (!VALID.matcher(value).matches()) {
      return Optional.of(field + " " + FieldViolations.quote(value) + " must be 3 to 40 characters of lower-case letters, digits and '-', "
          + "start with a letter and not end with '-'");
    }
    return Optional.empty();
  }
}
