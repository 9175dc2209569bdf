package dev.meridian.router;

import dev.meridian.testkit.Ports;
import dev.meridian.testkit.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * The router's schema on one embedded PostgreSQL per test JVM, migrated once and stopped with the
 * JVM. Tests that share it keep to their own orgs or ids.
 */
public final class RouterDatabase {

  private static DataSource shared;

  private RouterDatabase() {}

  public static synchronized DataSource shared() {
    if (shared == null) {
      try {
        PostgresServer postgres = PostgresServer.start(Ports.free(), Files.createTempDirectory("router-db-"), false);
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
        shared = new SimpleDriverDataSource(new org.postgresql.Driver(), postgres.jdbcUrl() + "?currentSchema=router",
            PostgresServer.USER, postgres.password());
        Flyway.configure().dataSource(shared).schemas("router").defaultSchema("router").load().migrate();
      } catch (IOException e) {
        throw new IllegalStateException("cannot make a directory for the test database", e);
      }
    }
    return shared;
  }
}
