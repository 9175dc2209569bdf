package dev.meridian.tenant.account;

import java.util.List;
import java.util.Optional;

/** The roles a member or an API key has in an org, least first. */
public final class Roles {

  public static final List<String> ALL = List.of("viewer", "member", "admin", "owner");

  private Roles() {}

  /** Empty when {@code role} is one of {@link #ALL}; otherwise what is wrong. */
  public static Optional<String> problem(String role) {
    return ALL.contains(role) ? Optional.empty() : Optional.of("role '" + role + "' is not one of owner, admin, member, viewer");
  }
}
