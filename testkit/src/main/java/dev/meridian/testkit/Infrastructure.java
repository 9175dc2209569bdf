package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL, Kafka and Temporal, started in parallel. Tests share one per JVM through
 * {@link #shared()}; the local stack starts its own on fixed ports and a kept data directory.
 */
public final class Infrastructure implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);
  private static volatile Infrastructure shared;

  private final PostgresServer postgres;
  private final KafkaBroker kafka;
  private final TemporalServer temporal;
  private final Path directory;

  private Infrastructure(PostgresServer postgres, KafkaBroker kafka, TemporalServer temporal, Path directory) {
    this.postgres = postgres;
    this.kafka = kafka;
    this.temporal = temporal;
    this.directory = directory;
  }

  /** Ports of the three servers; 0 picks a free one. */
  public record Ports(int postgres, int kafka, int kafkaController, int temporal) {
    public static Ports free() {
      return new Ports(0, 0, 0, 0);
    }

    Ports resolved() {
      return new Ports(orFree(postgres), orFree(kafka), orFree(kafkaController), orFree(temporal));
    }

    private static int orFree(int port) {
      return port == 0 ? dev.meridian.testkit.Ports.free() : port;
    }
  }

  public static Infrastructure start(Path directory, Ports requested, boolean keepData, DeploymentCa ca) {
    Ports ports = requested.resolved();
    Path logs = directory.resolve("logs");
    long started = System.nanoTime();
    var postgres = CompletableFuture.supplyAsync(() -> PostgresServer.start(ports.postgres(), directory.resolve("postgres"), keepData));
    var kafka = CompletableFuture.supplyAsync(() -> KafkaBroker.start(ports.kafka(), ports.kafkaController(), directory.resolve("kafka"), logs, ca));
    var temporal = CompletableFuture.supplyAsync(() -> TemporalServer.start(ports.temporal(), logs, ca));
    try {
      Infrastructure infrastructure = new Infrastructure(postgres.join(), kafka.join(), temporal.join(), directory);
      log.info("PostgreSQL, Kafka and Temporal ready in {} ms under {}", (System.nanoTime() - started) / 1_000_000, directory);
      return infrastructure;
    } catch (CompletionException e) {
      postgres.thenAccept(PostgresServer::close);
      kafka.thenAccept(KafkaBroker::close);
      temporal.thenAccept(TemporalServer::close);
      throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
    }
  }

  /** The infrastructure of this JVM: started on first use, stopped when the JVM exits. */
  public static Infrastructure shared() {
    if (shared == null) {
      synchronized (Infrastructure.class) {
        if (shared == null) {
          try {
            Path directory = Files.createTempDirectory("meridian-infra-");
            Infrastructure started = start(directory, Ports.free(), false, DeploymentCa.shared());
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "meridian-infra-stop"));
            shared = started;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    return shared;
  }

  public PostgresServer postgres() {
    return postgres;
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  public TemporalServer temporal() {
    return temporal;
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    temporal.close();
    kafka.close();
    postgres.close();
  }
}
