package dev.meridian.router.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.RouterDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Attempts in the router's real schema on PostgreSQL. */
class AttemptStoreTest {

  /** Recording and reading placements never touch the admission ledger. */
  private final AttemptStore attempts = new AttemptStore(JdbcClient.create(RouterDatabase.shared()),
      new TransactionTemplate(new DataSourceTransactionManager(RouterDatabase.shared())), null);

  @Test
  void theClustersAnExecutionRanOnAreEachListedOnceAndNoOtherExecutionsAre() {
    attempts.recordAssigned("placed", "e1/a/1", "e1", "a", 1, "c2", null, null);
    attempts.recordAssigned("placed", "e1/m[0]/1", "e1", "m[0]", 1, "c1", "m", 0);
    attempts.recordAssigned("placed", "e1/m[1]/1", "e1", "m[1]", 1, "c2", "m", 1);
    attempts.recordAssigned("placed", "e1/m[2]/1", "e1", "m[2]", 1, "c3", "m", 2);
    attempts.recordAssigned("placed", "e2/a/1", "e2", "a", 1, "c9", null, null);
    attempts.recordAssigned("elsewhere", "e1/a/1", "e1", "a", 1, "c8", null, null);

    assertThat(attempts.clustersOf("placed", "e1")).containsExactly("c1", "c2", "c3");
    assertThat(attempts.clustersOf("placed", "e3")).isEmpty();
  }
}
