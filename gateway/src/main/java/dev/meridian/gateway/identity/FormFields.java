package dev.meridian.gateway.identity;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Reading one field of an {@code application/x-www-form-urlencoded} body that is passed on unparsed. */
final class FormFields {

  private FormFields() {}

  static Optional<String> field(String form, String name) {
    if (form == null) {
      return Optional.empty();
    }
    for (String field : form.split("&")) {
      if (field.startsWith(name + "=")) {
        return Optional.of(URLDecoder.decode(field.substring(name.length() + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }
}
