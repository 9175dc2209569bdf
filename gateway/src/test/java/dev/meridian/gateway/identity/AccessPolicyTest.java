package dev.meridian.gateway.identity;

import dev.meridian.identity.Role;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private static final String SCOPE = "/api/v1/orgs/acme/projects/p/domains/development";

  private static Caller in(String org, Role role) {
    return new Caller(org, role, "key_1", null, "token");
  }

  private static final Caller OPERATOR = new Caller(null, Role.OPERATOR, null, null, "token");

  @Test
  void anotherOrgsPathsAreHiddenWhateverTheRole() {
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/globex/projects", in("acme", Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
    assertThat(AccessPolicy.decide("DELETE", "/api/v1/orgs/globex/clusters/c1", in("acme", Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
  }

  @Test
  void viewersReadMembersAlsoLaunchAdminsAlsoManage() {
    assertThat(AccessPolicy.decide("GET", SCOPE + "/executions", in("acme", Role.VIEWER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions", in("acme", Role.VIEWER))).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions", in("acme", Role.MEMBER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions/x1/terminate", in("acme", Role.MEMBER)))
        .isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("PUT", "/api/v1/orgs/acme/quota", in("acme", Role.MEMBER))).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PUT", "/api/v1/orgs/acme/quota", in("acme", Role.ADMIN))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/acme/api-keys", in("acme", Role.MEMBER))).isInstanceOf(AccessPolicy.Forbidden.class);
  }

  @Test
  void membersAreManagedByAdminsAndSignUpNeedsNoOrg() {
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/members/usr_1", in("acme", Role.MEMBER)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/members/usr_1", in("acme", Role.ADMIN)))
        .isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/signup", in("acme", Role.VIEWER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/signup/confirm", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
  }

  @Test
  void anUnlistedChangeNeedsTheOwner() {
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/something-new", in("acme", Role.ADMIN)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/something-new", in("acme", Role.OWNER)))
        .isInstanceOf(AccessPolicy.Allow.class);
  }

  @Test
  void theOperatorCreatesOrgsAndKeysInThemAndNothingElse() {
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs/acme/api-keys", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/acme/projects", OPERATOR)).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs", in("acme", Role.OWNER))).isInstanceOf(AccessPolicy.Forbidden.class);
  }

  @Test
  void grpcCallsFollowTheSameRules() {
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.ExecutionService/CreateExecution", "globex", in("acme", Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.ExecutionService/CreateExecution", "acme", in("acme", Role.VIEWER)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.QuotaService/GetQuota", "acme", in("acme", Role.VIEWER)))
        .isInstanceOf(AccessPolicy.Allow.class);
  }
}
