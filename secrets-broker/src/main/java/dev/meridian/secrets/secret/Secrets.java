package dev.meridian.secrets.secret;

import dev.meridian.secrets.audit.SecretAudit;
import dev.meridian.secrets.store.SecretPath;
import dev.meridian.secrets.store.SecretStore;
import dev.meridian.workflow.SecretMount;
import dev.meridian.workflow.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What people do with secrets through the API: write a value (never read it back), list what
 * exists, delete. Every change is audited with who made it.
 */
public final class Secrets {

  /** Larger values belong in an object store, with the secret holding its credentials. */
  public static final int MAX_VALUE_BYTES = 64 * 1024;
  private static final Pattern SCOPE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  public sealed interface Written {
    record Stored(SecretPath path, int version) implements Written {}

    record Invalid(List<Violation> violations) implements Written {}
  }

  private final SecretStore store;
  private final SecretAudit audit;

  public Secrets(SecretStore store, SecretAudit audit) {
    this.store = store;
    this.audit = audit;
  }

  /** {@code project} and {@code domain} narrow the secret's scope; both null: the whole org. */
  public Written write(String actor, String org, String project, String domain, String name, String value) {
    List<Violation> violations = new ArrayList<>();
    checkScope(project, domain, name, violations);
    if (value == null || value.isEmpty()) {
      violations.add(new Violation("/value", "a secret needs a non-empty string value"));
    } else if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
      violations.add(new Violation("/value", "a secret's value may be at most " + MAX_VALUE_BYTES / 1024 + " KiB; this one is "
          + value.getBytes(StandardCharsets.UTF_8).length / 1024 + " KiB"));
    }
    if (!violations.isEmpty()) {
      return new Written.Invalid(violations);
    }
    SecretPath path = new SecretPath(org, project, domain, name);
    if (!(store.write(path, value, OptionalInt.empty()) instanceof SecretStore.Written.Stored stored)) {
      throw new IllegalStateException("a write without check-and-set cannot mismatch");
    }
    audit.record(path.org(), actor, "write", path.toString(), null, "stored", "version " + stored.version());
    return new Written.Stored(path, stored.version());
  }

  public List<SecretStore.SecretInfo> list(String org) {
    return store.list(org);
  }

  /** Removes every version of the secret; false if there was none. */
  public boolean delete(String actor, SecretPath path) {
    boolean destroyed = store.destroy(path);
    audit.record(path.org(), actor, "delete", path.toString(), null, destroyed ? "deleted" : "not found", null);
    return destroyed;
  }

  private static void checkScope(String project, String domain, String name, List<Violation> violations) {
    SecretMount.checkName(name, "/name", violations);
    if (project != null && !SCOPE_ID.matcher(project).matches()) {
      violations.add(new Violation("/project", "'" + project + "' is not a project id"));
    }
    if (domain != null && project == null) {
      violations.add(new Violation("/domain", "a secret limited to a domain names its project too"));
    } else if (domain != null && !SCOPE_ID.matcher(domain).matches()) {
      violations.add(new Violation("/domain", "'" + domain + "' is not a domain"));
    }
  }
}
