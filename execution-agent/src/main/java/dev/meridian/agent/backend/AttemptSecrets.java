package dev.meridian.agent.backend;

import dev.meridian.workflow.SecretMount;
import java.util.List;

/**
 * The values of an attempt's secrets, redeemed just before it starts (ADR 10). A backend hands
 * them to the task and forgets them; nothing prints them: {@link #toString()} names the secrets
 * only, and {@link #mask} takes them out of the log lines the agent reports.
 */
public record AttemptSecrets(List<Value> values) {

  public static final AttemptSecrets NONE = new AttemptSecrets(List.of());

  public record Value(SecretMount mount, String value) {
    @Override
    public String toString() {
      return mount.name();
    }
  }

  public AttemptSecrets {
    values = List.copyOf(values);
  }

  /** The lines with every secret value replaced by {@code ****}. */
  public List<String> mask(List<String> lines) {
    if (values.isEmpty()) {
      return lines;
    }
    return lines.stream().map(line -> {
      String masked = line;
      for (Value value : values) {
        if (!value.value().isEmpty()) {
          masked = masked.replace(value.value(), "****");
        }
      }
      return masked;
    }).toList();
  }

  @Override
  public String toString() {
    return "AttemptSecrets" + values;
  }
}
