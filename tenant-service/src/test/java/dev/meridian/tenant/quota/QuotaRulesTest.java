package dev.meridian.tenant.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.proto.tenant.v1.Quota;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuotaRulesTest {

  private static Quota org(int h100) {
    return Quota.newBuilder().setOrg("acme").putGpus("nvidia-h100", h100).setCpuCores(64).build();
  }

  private static Quota project(String id, int h100) {
    return Quota.newBuilder().setOrg("acme").setProject(id).putGpus("nvidia-h100", h100).build();
  }

  @Test
  void aProjectMayBeGuaranteedUpToTheOrgsQuota() {
    assertThat(QuotaRules.check(project("a", 8), Optional.of(org(8)), List.of())).isEmpty();
  }

  @Test
  void aProjectMayNotBeGuaranteedMoreThanTheOrgHas() {
    assertThat(QuotaRules.check(project("a", 9), Optional.of(org(8)), List.of()))
        .containsExactly(new QuotaRules.Problem("/gpus/nvidia-h100", "9 nvidia-h100 GPUs is more than the org's 8 nvidia-h100 GPUs"));
  }

  @Test
  void theGuaranteesOfAllProjectsMayNotAddUpToMoreThanTheOrgHas() {
    assertThat(QuotaRules.check(project("b", 5), Optional.of(org(8)), List.of(project("a", 4)))).singleElement()
        .extracting(QuotaRules.Problem::message)
        .isEqualTo("the projects' guaranteed shares would add up to 9 nvidia-h100 GPUs, more than the org's 8 nvidia-h100 GPUs");
  }

  @Test
  void replacingAProjectsQuotaCountsOnlyItsNewValue() {
    assertThat(QuotaRules.check(project("a", 6), Optional.of(org(8)), List.of(project("a", 4), project("b", 2)))).isEmpty();
  }

  @Test
  void theOrgsQuotaMayNotShrinkBelowWhatItsProjectsAreGuaranteed() {
    assertThat(QuotaRules.check(org(3), Optional.empty(), List.of(project("a", 4)))).singleElement()
        .extracting(QuotaRules.Problem::message)
        .isEqualTo("project 'a' is guaranteed 4 nvidia-h100 GPUs, more than the org's 3 nvidia-h100 GPUs");
  }

  @Test
  void withoutAnOrgLimitAnyGuaranteeIsAccepted() {
    assertThat(QuotaRules.check(project("a", 1000), Optional.empty(), List.of())).isEmpty();
  }

  @Test
  void eachMalformedFieldIsLocated() {
    Quota bad = Quota.newBuilder().setOrg("acme").putGpus("H100!", 1).setCpuCores(-1).setRequestsPerSecond(0).setBorrow(true).build();

    assertThat(QuotaRules.check(bad, Optional.empty(), List.of())).extracting(QuotaRules.Problem::pointer)
        .containsExactly("/gpus/H100!", "/cpuCores", "/requestsPerSecond", "/borrow");
  }
}
