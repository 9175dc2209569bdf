package dev.meridian.billing.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationTest {

  @Test
  void equalTotalsHaveNoDifference() {
    assertThat(Reconciliation.differences(Map.of("a", Map.of("h100", 10L)), Map.of("a", Map.of("h100", 10L)))).isEmpty();
  }

  @Test
  void aMissingOrDuplicatedRecordShowsAsTheOrgsAndGpuTypesDifference() {
    var differences = Reconciliation.differences(
        Map.of("a", Map.of("h100", 10L), "b", Map.of("a100", 7L)),
        Map.of("a", Map.of("h100", 15L), "c", Map.of("t4", 3L), "b", Map.of("a100", 7L)));

    assertThat(differences).isEqualTo(Map.of("a", Map.of("h100", -5L), "c", Map.of("t4", -3L)));
  }
}
