package dev.meridian.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL server from zonky's Maven-packaged binaries, on 127.0.0.1. It asks for a
 * password (SCRAM), kept {@code 0600} beside its data directory: initdb's default of trusting every
 * local connection would let any process of the machine — a task on the local stack's shared
 * cluster among them — read every org's data.
 */
public final class PostgresServer implements AutoCloseable {

  public static final String USER = "postgres";
  public static final String DATABASE = "postgres";

  private final EmbeddedPostgres postgres;
  private final String password;

  private PostgresServer(EmbeddedPostgres postgres, String password) {
    this.postgres = postgres;
    this.password = password;
  }

  /** {@code dataDir} is kept between starts (the local stack); pass a fresh one for throw-away data. */
  public static PostgresServer start(int port, Path dataDir, boolean keepData) {
    String password = Secrets.keep(dataDir.resolveSibling(dataDir.getFileName() + ".password"));
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.builder()
          .setPort(port)
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(!keepData)
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "300")
          .setServerConfig("fsync", keepData ? "on" : "off")
          .setServerConfig("password_encryption", "scram-sha-256")
          .setConnectConfig("password", password)
          .start();
      requirePassword(postgres, dataDir, password);
      return new PostgresServer(postgres, password);
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not start", e);
    }
  }

  /** Sets the superuser's password, then makes every connection present it (and reloads). */
  private static void requirePassword(EmbeddedPostgres postgres, Path dataDir, String password) throws IOException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
      // The password is base64url: nothing in it needs quoting.
      statement.execute("alter role " + USER + " password '" + password + "'");
      Path hba = dataDir.resolve("pg_hba.conf");
      String rules = Files.readAllLines(hba).stream()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .map(line -> line.replaceAll("\\s(trust|md5|password)\\s*$", " scram-sha-256"))
          .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
      Files.writeString(hba, rules);
      statement.execute("select pg_reload_conf()");
    } catch (SQLException e) {
      throw new IOException("cannot require a password of PostgreSQL", e);
    }
  }

  /** The password of {@link #USER}. */
  public String password() {
    return password;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
  }

  public int port() {
    return postgres.getPort();
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
