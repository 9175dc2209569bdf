package dev.meridian.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private static final String SCOPE = "/api/v1/orgs/acme/projects/p/domains/development";

  private static Caller in(String org, Caller.Role role) {
    return new Caller(org, role, "key_1", null);
  }

  private static final Caller OPERATOR = new Caller(null, Caller.Role.OPERATOR, null, null);

  @Test
  void anotherOrgsPathsAreHiddenWhateverTheRole() {
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/globex/projects", in("acme", Caller.Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
    assertThat(AccessPolicy.decide("DELETE", "/api/v1/orgs/globex/clusters/c1", in("acme", Caller.Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
  }

  @Test
  void viewersReadMembersAlsoLaunchAdminsAlsoManage() {
    assertThat(AccessPolicy.decide("GET", SCOPE + "/executions", in("acme", Caller.Role.VIEWER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions", in("acme", Caller.Role.VIEWER))).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions", in("acme", Caller.Role.MEMBER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", SCOPE + "/executions/x1/terminate", in("acme", Caller.Role.MEMBER)))
        .isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("PUT", "/api/v1/orgs/acme/quota", in("acme", Caller.Role.MEMBER))).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PUT", "/api/v1/orgs/acme/quota", in("acme", Caller.Role.ADMIN))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/acme/api-keys", in("acme", Caller.Role.MEMBER))).isInstanceOf(AccessPolicy.Forbidden.class);
  }

  @Test
  void membersAreManagedByAdminsAndSignUpNeedsNoOrg() {
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/members/usr_1", in("acme", Caller.Role.MEMBER)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/members/usr_1", in("acme", Caller.Role.ADMIN)))
        .isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/signup", in("acme", Caller.Role.VIEWER))).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/signup/confirm", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
  }

  @Test
  void anUnlistedChangeNeedsTheOwner() {
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/something-new", in("acme", Caller.Role.ADMIN)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("PATCH", "/api/v1/orgs/acme/something-new", in("acme", Caller.Role.OWNER)))
        .isInstanceOf(AccessPolicy.Allow.class);
  }

  @Test
  void theOperatorCreatesOrgsAndKeysInThemAndNothingElse() {
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs/acme/api-keys", OPERATOR)).isInstanceOf(AccessPolicy.Allow.class);
    assertThat(AccessPolicy.decide("GET", "/api/v1/orgs/acme/projects", OPERATOR)).isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decide("POST", "/api/v1/orgs", in("acme", Caller.Role.OWNER))).isInstanceOf(AccessPolicy.Forbidden.class);
  }

  @Test
  void grpcCallsFollowTheSameRules() {
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.ExecutionService/CreateExecution", "globex", in("acme", Caller.Role.OWNER)))
        .isInstanceOf(AccessPolicy.Hidden.class);
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.ExecutionService/CreateExecution", "acme", in("acme", Caller.Role.VIEWER)))
        .isInstanceOf(AccessPolicy.Forbidden.class);
    assertThat(AccessPolicy.decideGrpc("meridian.api.v1.QuotaService/GetQuota", "acme", in("acme", Caller.Role.VIEWER)))
        .isInstanceOf(AccessPolicy.Allow.class);
  }
}
