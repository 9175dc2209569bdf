package dev.meridian.identity;

import java.util.Locale;
import java.util.Optional;

/**
 * The one role table: what a member or an API key may do in its org, least first, and the platform
 * operator, who acts in no org. The gateway's access policy and every internal callee that checks a
 * forwarded caller decide from it.
 */
public enum Role {
  VIEWER, MEMBER, ADMIN, OWNER, OPERATOR;

  /** Whether this role may do what {@code required} may. The operator is no org role and satisfies none. */
  public boolean atLeast(Role required) {
    return this != OPERATOR && required != OPERATOR && ordinal() >= required.ordinal();
  }

  /**
   * Whether this role may hand out {@code granted} (to an API key, an invitation, a member): never
   * above one's own. The operator provisions orgs, so it may hand out any org role.
   */
  public boolean mayGrant(Role granted) {
    return granted != OPERATOR && (this == OPERATOR || ordinal() >= granted.ordinal());
  }

  /** As in tokens and on the API: {@code owner}, {@code admin}, {@code member}, {@code viewer}, {@code operator}. */
  public String claim() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Empty when {@code claim} is a role a member or an API key can hold; otherwise what is wrong. */
  public static Optional<String> problemWithOrgRole(String claim) {
    return of(claim).filter(role -> role != OPERATOR).isPresent() ? Optional.empty()
        : Optional.of("must be one of owner, admin, member, viewer");
  }

  /** Empty when {@code claim} names no role. */
  public static Optional<Role> of(String claim) {
    if (claim == null) {
      return Optional.empty();
    }
    for (Role role : values()) {
      if (role.claim().equals(claim)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
