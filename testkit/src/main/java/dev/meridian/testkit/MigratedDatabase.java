package dev.meridian.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A module's schema for its in-process tests: one embedded PostgreSQL per test JVM, each schema
 * migrated once by the module's own Flyway scripts ({@code db/migration} on its classpath), all
 * stopped with the JVM. Tests that share a schema keep to their own orgs or ids.
 */
public final class MigratedDatabase {

  private static PostgresServer server;
  private static final Map<String, DataSource> schemas = new HashMap<>();

  private MigratedDatabase() {}

  public static synchronized DataSource shared(String schema) {
    return schemas.computeIfAbsent(schema, name -> {
      PGSimpleDataSource dataSource = new PGSimpleDataSource();
      dataSource.setURL(server().jdbcUrl() + "?currentSchema=" + name);
      dataSource.setUser(PostgresServer.USER);
      dataSource.setPassword(server().password());
      Flyway.configure().dataSource(dataSource).schemas(name).defaultSchema(name).load().migrate();
      return dataSource;
    });
  }

  private static PostgresServer server() {
    if (server == null) {
      try {
        server = PostgresServer.start(Ports.free(), Files.createTempDirectory("test-db-"), false);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
      } catch (IOException e) {
        throw new IllegalStateException("cannot make a directory for the test database", e);
      }
    }
    return server;
  }
}
