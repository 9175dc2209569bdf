package dev.meridian.workflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A secret a task declares, by name, and how its attempts get the value: as the environment
 * variable {@code envVar}, or as a file, {@code $MERIDIAN_SECRETS_DIR/<name>} unless
 * {@code mountPath} says otherwise. Only names travel through the platform; values are redeemed by
 * the agent just before the attempt starts.
 */
public record SecretMount(String name, Delivery delivery, String envVar, String mountPath) {

  public enum Delivery { ENV, FILE }

  /** A secret's name: a letter, then letters, digits, {@code _ . -}; at most 64 characters. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
  private static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  /** The run-time contract's variables, which a secret may not replace. */
  private static final String RESERVED_ENV_PREFIX = "MERIDIAN_";
  public static final int MAX_PER_TASK = 32;

  public static void checkName(String name, String pointer, List<Violation> violations) {
    if (name == null || !NAME.matcher(name).matches()) {
      violations.add(new Violation(pointer, "a secret's name starts with a letter and has at most 64 letters, digits, '_', '.' or '-'"
          + (name == null ? "" : "; got '" + name + "'")));
    }
  }

  /** The {@code secrets} array of a task; every problem is added to {@code violations} at its pointer. */
  public static List<SecretMount> parseAll(JsonNode secrets, String pointer, List<Violation> violations) {
    List<SecretMount> mounts = new ArrayList<>();
    if (secrets == null || secrets.isNull()) {
      return mounts;
    }
    if (!secrets.isArray()) {
      violations.add(new Violation(pointer, "must be an array of {name, as, envVar?, mountPath?}"));
      return mounts;
    }
    if (secrets.size() > MAX_PER_TASK) {
      violations.add(new Violation(pointer, "a task may declare at most " + MAX_PER_TASK + " secrets, not " + secrets.size()));
      return mounts;
    }
    Set<String> names = new HashSet<>();
    Set<String> targets = new HashSet<>();
    for (int i = 0; i < secrets.size(); i++) {
      String at = pointer + "/" + i;
      JsonNode secret = secrets.get(i);
      if (!secret.isObject()) {
        violations.add(new Violation(at, "must be an object {name, as, envVar?, mountPath?}"));
        continue;
      }
      for (String field : secret.propertyNames()) {
        if (!Set.of("name", "as", "envVar", "mountPath").contains(field)) {
          violations.add(new Violation(at + "/" + field, "unknown field '" + field + "'; a secret has name, as, envVar and mountPath"));
        }
      }
      String name = text(secret, "name");
      checkName(name, at + "/name", violations);
      if (name != null && !names.add(name)) {
        violations.add(new Violation(at + "/name", "secret '" + name + "' is declared twice"));
      }
      String as = text(secret, "as");
      String envVar = text(secret, "envVar");
      String mountPath = text(secret, "mountPath");
      Delivery delivery = null;
      if ("env".equals(as)) {
        delivery = Delivery.ENV;
        if (envVar == null) {
          violations.add(new Violation(at + "/envVar", "a secret delivered as env needs envVar, the variable to set"));
        } else if (!ENV_VAR.matcher(envVar).matches() || envVar.startsWith(RESERVED_ENV_PREFIX)) {
          violations.add(new Violation(at + "/envVar", "'" + envVar + "' is not a variable a secret may set: letters, digits and '_', "
              + "not starting with a digit or " + RESERVED_ENV_PREFIX));
        } else if (!targets.add("env:" + envVar)) {
          violations.add(new Violation(at + "/envVar", "two secrets set " + envVar));
        }
        if (mountPath != null) {
          violations.add(new Violation(at + "/mountPath", "mountPath is for secrets delivered as a file"));
        }
      } else if ("file".equals(as)) {
        delivery = Delivery.FILE;
        if (envVar != null) {
          violations.add(new Violation(at + "/envVar", "envVar is for secrets delivered as env"));
        }
        if (mountPath != null && !isPlainAbsolute(mountPath)) {
          violations.add(new Violation(at + "/mountPath", "'" + mountPath + "' must be an absolute path without '.' or '..' segments"));
        } else if (mountPath != null && !targets.add("file:" + mountPath)) {
          violations.add(new Violation(at + "/mountPath", "two secrets are mounted at " + mountPath));
        }
      } else {
        violations.add(new Violation(at + "/as", "must be \"env\" or \"file\"" + (as == null ? "" : "; got \"" + as + "\"")));
      }
      if (delivery != null && name != null) {
        mounts.add(new SecretMount(name, delivery, envVar, mountPath));
      }
    }
    return mounts;
  }

  private static boolean isPlainAbsolute(String path) {
    return path.startsWith("/") && !path.endsWith("/") && Path.of(path).normalize().toString().equals(path);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isString() ? null : value.asString();
  }
}
