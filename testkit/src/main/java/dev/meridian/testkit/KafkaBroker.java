package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A real Kafka broker in KRaft mode (combined broker and controller) in its own JVM, listening on
 * 127.0.0.1 only. Its storage is formatted once; data survives a restart on the same directory.
 */
public final class KafkaBroker implements AutoCloseable {

  private final int port;
  private final ChildProcess process;

  private KafkaBroker(int port, ChildProcess process) {
    this.port = port;
    this.process = process;
  }

  public static KafkaBroker start(int port, int controllerPort, Path dataDir, Path logDir) {
    try {
      Files.createDirectories(dataDir);
      Path properties = dataDir.resolve("server.properties");
      Files.writeString(properties, """
          process.roles=broker,controller
          node.id=1
          controller.quorum.voters=1@127.0.0.1:%2$d
          listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
          advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
          controller.listener.names=CONTROLLER
          inter.broker.listener.name=PLAINTEXT
          listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
          log.dirs=%3$s
          num.partitions=4
          auto.create.topics.enable=true
          offsets.topic.replication.factor=1
          offsets.topic.num.partitions=4
          transaction.state.log.replication.factor=1
          transaction.state.log.min.isr=1
          share.coordinator.state.topic.replication.factor=1
          share.coordinator.state.topic.min.isr=1
          group.initial.rebalance.delay.ms=0
          """.formatted(port, controllerPort, dataDir.resolve("logs")));
      if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
        ChildProcess format = ChildProcess.java("kafka-format", ChildClasspath.get(), List.of("-Xmx256m"),
            "kafka.tools.StorageTool",
            List.of("format", "--ignore-formatted", "-t", clusterId(), "-c", properties.toString()),
            logDir.resolve("kafka-format.log"));
        if (format.waitFor(120) != 0) {
          throw new IllegalStateException("formatting Kafka storage failed:\n" + format.tail(20));
        }
      }
      ChildProcess process = ChildProcess.java("kafka", ChildClasspath.get(),
          List.of("-Xmx768m", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + log4jConfig(dataDir)),
          "kafka.Kafka", List.of(properties.toString()), logDir.resolve("kafka.log"));
      Ports.awaitOpen(port, Duration.ofSeconds(90), process);
      return new KafkaBroker(port, process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String log4jConfig(Path dataDir) throws IOException {
    Path config = dataDir.resolve("log4j2.properties");
    Files.writeString(config, """
        rootLogger.level=WARN
        rootLogger.appenderRef.stdout.ref=STDOUT
        appender.stdout.type=Console
        appender.stdout.name=STDOUT
        appender.stdout.layout.type=PatternLayout
        appender.stdout.layout.pattern=%d %p %c{1} %m%n
        logger.kafka.name=kafka.server.KafkaRaftServer
        logger.kafka.level=INFO
        """);
    return config.toString();
  }

  private static String clusterId() {
    UUID uuid = UUID.randomUUID();
    ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.close();
  }
}
