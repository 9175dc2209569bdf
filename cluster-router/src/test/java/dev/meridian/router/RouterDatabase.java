package dev.meridian.router;

import dev.meridian.testkit.MigratedDatabase;
import javax.sql.DataSource;

/** The router's schema on the test JVM's embedded PostgreSQL, migrated once. */
public final class RouterDatabase {

  private RouterDatabase() {}

  public static DataSource shared() {
    return MigratedDatabase.shared("router");
  }
}
