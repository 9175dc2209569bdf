package dev.meridian.secrets.store;

import java.util.Objects;

/**
 * Where a secret lives: its org and name, and optionally the project and domain it is limited to.
 * A secret without a project is the org's, visible to every project; one with a project and no
 * domain is visible in every domain of that project.
 */
public record SecretPath(String org, String project, String domain, String name) {

  public SecretPath {
    Objects.requireNonNull(org, "org");
    Objects.requireNonNull(name, "name");
    if (project == null && domain != null) {
      throw new IllegalArgumentException("a secret limited to a domain is limited to a project too");
    }
  }

  public static SecretPath ofOrg(String org, String name) {
    return new SecretPath(org, null, null, name);
  }

  /** How the scope reads in messages and audit records: {@code org/name}, {@code org/project/name}, {@code org/project/domain/name}. */
  @Override
  public String toString() {
    return org + (project == null ? "" : "/" + project) + (domain == null ? "" : "/" + domain) + "/" + name;
  }
}
