package dev.meridian.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A real Kafka broker in KRaft mode (combined broker and controller) in its own JVM, listening on
 * 127.0.0.1 only. Its storage is formatted once; data survives a restart on the same directory.
 *
 * <p>Secured as a hosted deployment's is: clients authenticate with SASL/SCRAM-SHA-512 over TLS
 * (the certificate from the deployment CA), the controller listener takes only the broker's own
 * certificate, and the standard authorizer refuses whatever no ACL allows. {@code admin} is the
 * super user the tests and the local stack provision principals with.
 */
public final class KafkaBroker implements AutoCloseable {

  public static final String ADMIN = "admin";

  private final int port;
  private final ChildProcess process;
  private final Path dataDir;
  private final Path caFile;

  private KafkaBroker(int port, ChildProcess process, Path dataDir, Path caFile) {
    this.port = port;
    this.process = process;
    this.dataDir = dataDir;
    this.caFile = caFile;
  }

  public static KafkaBroker start(int port, int controllerPort, Path dataDir, Path logDir, DeploymentCa ca) {
    try {
      Files.createDirectories(dataDir);
      DeploymentCa.Identity broker = ca.identity("kafka-broker");
      Path keystore = Secrets.write(dataDir.resolve("broker-keystore.pem"),
          Files.readString(broker.privateKey()) + Files.readString(broker.certificate()));
      String adminPassword = Secrets.keep(dataDir.resolve("principals").resolve(ADMIN + ".password"));
      Path properties = dataDir.resolve("server.properties");
      Files.writeString(properties, """
          process.roles=broker,controller
          node.id=1
          controller.quorum.voters=1@127.0.0.1:%2$d
          listeners=SASL_SSL://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
          advertised.listeners=SASL_SSL://127.0.0.1:%1$d
          controller.listener.names=CONTROLLER
          inter.broker.listener.name=SASL_SSL
          listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
          sasl.enabled.mechanisms=SCRAM-SHA-512
          sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
          listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%4$s" password="%5$s";
          ssl.keystore.type=PEM
          ssl.keystore.location=%6$s
          ssl.truststore.type=PEM
          ssl.truststore.location=%7$s
          listener.name.controller.ssl.client.auth=required
          ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT
          authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
          super.users=User:%4$s;User:kafka-broker
          allow.everyone.if.no.acl.found=false
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
          """.formatted(port, controllerPort, dataDir.resolve("logs"), ADMIN, adminPassword, keystore, ca.caFile()));
      if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
        ChildProcess format = ChildProcess.java("kafka-format", ChildClasspath.get(), List.of("-Xmx256m"),
            "kafka.tools.StorageTool",
            List.of("format", "--ignore-formatted", "-t", clusterId(), "-c", properties.toString(),
                "--add-scram", "SCRAM-SHA-512=[name=" + ADMIN + ",password=" + adminPassword + "]"),
            logDir.resolve("kafka-format.log"));
        if (format.waitFor(120) != 0) {
          throw new IllegalStateException("formatting Kafka storage failed:\n" + format.tail(20));
        }
      }
      ChildProcess process = ChildProcess.java("kafka", ChildClasspath.get(),
          List.of("-Xmx768m", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + log4jConfig(dataDir)),
          "kafka.Kafka", List.of(properties.toString()), logDir.resolve("kafka.log"));
      Ports.awaitOpen(port, Duration.ofSeconds(90), process);
      return new KafkaBroker(port, process, dataDir, ca.caFile());
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

  /** A random cluster id; never one starting with '-', which the storage tool would read as an option (1 start in 64 failed). */
  private static String clusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Client settings (bootstrap, SASL/SCRAM over TLS) of {@code principal}, whose password this broker keeps. */
  public Map<String, Object> clientProperties(String principal) {
    return clientProperties(principal, password(principal));
  }

  /** Client settings (bootstrap, SASL/SCRAM over TLS) for a user name and password. */
  public Map<String, Object> clientProperties(String username, String password) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", bootstrapServers());
    settings.put("security.protocol", "SASL_SSL");
    settings.put("sasl.mechanism", "SCRAM-SHA-512");
    settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
        + "\" password=\"" + password + "\";");
    settings.put("ssl.truststore.type", "PEM");
    settings.put("ssl.truststore.location", caFile.toString());
    return settings;
  }

  /** The password of a principal made by {@link #ensurePrincipal} (or of {@link #ADMIN}). */
  public String password(String principal) {
    return Secrets.keep(dataDir.resolve("principals").resolve(principal + ".password"));
  }

  /**
   * Makes {@code principal} (a SCRAM user with a kept password) and grants it {@code acls}: what a
   * platform operator's provisioning does in a hosted deployment. Idempotent.
   */
  public String ensurePrincipal(String principal, List<AclBinding> acls) {
    String password = password(principal);
    try (Admin admin = Admin.create(clientProperties(ADMIN))) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(principal,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get(30, TimeUnit.SECONDS);
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot provision Kafka principal " + principal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return password;
  }

  /** {@code operations} on topics named {@code prefix}..., for {@code principal}. */
  public static List<AclBinding> onTopics(String principal, String prefix, AclOperation... operations) {
    return java.util.Arrays.stream(operations).map(operation -> new AclBinding(
        new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED),
        new AccessControlEntry("User:" + principal, "*", operation, AclPermissionType.ALLOW))).toList();
  }

  @Override
  public void close() {
    process.close();
  }
}
