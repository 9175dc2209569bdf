package dev.meridian.devstack;

import dev.meridian.testkit.Secrets;
import dev.meridian.identity.ClusterCredentials;
import dev.meridian.identity.ServiceChannels;
import dev.meridian.testkit.DeploymentCa;
import dev.meridian.testkit.Infrastructure;
import dev.meridian.testkit.KafkaBroker;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import io.grpc.ManagedChannel;
import dev.meridian.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of Meridian on one machine: PostgreSQL, Kafka and Temporal from testkit, then
 * tenant-service, cluster-router and gateway, then one agent that runs tasks as local processes.
 * {@code ./meridian up} starts one on fixed ports; the end-to-end tests start one on free ports.
 */
public final class LocalStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
  private static final String VERSION = "0.1.0-SNAPSHOT";

  /** Ports of everything; {@link #free()} picks unused ones. */
  public record Layout(int gatewayHttp, int gatewayGrpc, int tenantHttp, int tenantGrpc, int routerHttp, int routerGrpc, int agentEndpoint,
      int secretsHttp, int secretsGrpc, int billingHttp, int billingGrpc, int smtp, Infrastructure.Ports infrastructure) {

    public static Layout fixed() {
      return new Layout(8080, 9090, 8181, 9191, 8282, 9292, 9443, 8383, 9393, 8484, 9494, 2525, new Infrastructure.Ports(15432, 19092, 19093, 17233));
    }

    public static Layout free() {
      return new Layout(Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(),
          Ports.free(), Ports.free(), Ports.free(), Ports.free(),
          new Infrastructure.Ports(Ports.free(), Ports.free(), Ports.free(), Ports.free()));
    }
  }

  /**
   * @param home where data and logs go ({@code .meridian/} for {@code ./meridian up})
   * @param repository the checkout, whose modules' {@code target/} hold the service jars
   * @param lostAfter how long a silent agent's attempts wait before they are declared lost
   */
  /**
   * @param jvm how the services' JVMs are tuned: for start-up (tests) or for throughput (the
   *     local stack people use, and the benchmarks); docs/benchmarks.md compares the two
   */
  /**
   * @param routers how many cluster-router processes serve the stack: the gateway spreads its calls
   *     over them and agents connect to the first that answers (ADR 0009)
   */
  public record Options(Path home, Path repository, Layout layout, boolean keepData, Duration lostAfter, ServiceJvm jvm, int routers) {

    public Options {
      if (routers < 1 || routers > 9) {
        throw new IllegalArgumentException("a local stack runs 1 to 9 routers, not " + routers);
      }
    }

    public Options(Path home, Path repository, Layout layout, boolean keepData, Duration lostAfter, ServiceJvm jvm) {
      this(home, repository, layout, keepData, lostAfter, jvm, 1);
    }

    public Options(Path home, Path repository, Layout layout, boolean keepData, Duration lostAfter) {
      this(home, repository, layout, keepData, lostAfter, ServiceJvm.STARTUP);
    }
  }

  /** The ports of one router: actuator, internal gRPC API, agent endpoint. */
  private record RouterPorts(int http, int grpc, int agentEndpoint) {}

  /** JVM flags of the services and agents the stack starts. */
  public enum ServiceJvm {
    /** C1 only and small heaps: each service is up in seconds; what the end-to-end tests use. */
    STARTUP(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto")),
    /** The full tiered JIT and room for many executions in flight: slower to start, several times the throughput. */
    THROUGHPUT(List.of("-Xmx1g", "-XX:+UseSerialGC", "-Xshare:auto"));

    private final List<String> flags;

    ServiceJvm(List<String> flags) {
      this.flags = flags;
    }

    public List<String> flags() {
      return flags;
    }
  }

  private final Options options;
  private final Infrastructure infrastructure;
  private final Mailbox mailbox;
  /** The stack's own CA (under {@code tls/} in its home, made at first start): services authenticate each other with it. */
  private final DeploymentCa ca;
  private final Map<String, ServiceProcess> services = new java.util.concurrent.ConcurrentHashMap<>();
  /** The token of the shared development cluster {@code local}, which serves every org. */
  private final String sharedClusterToken = "mrdc_local_" + java.util.UUID.randomUUID();
  /** Router name ({@code cluster-router}, {@code cluster-router-2}, ...) to its ports, in start order. */
  private final Map<String, RouterPorts> routers = new java.util.concurrent.ConcurrentSkipListMap<>();

  private LocalStack(Options options, Infrastructure infrastructure, Mailbox mailbox, DeploymentCa ca) {
    this.ca = ca;
    this.options = options;
    this.infrastructure = infrastructure;
    this.mailbox = mailbox;
  }

  public static LocalStack start(Options options) {
    long started = System.nanoTime();
    DeploymentCa ca = DeploymentCa.in(options.home().resolve("tls"));
    Infrastructure infrastructure = Infrastructure.start(options.home().resolve("infra"), options.layout().infrastructure(), options.keepData(), ca);
    LocalStack stack = new LocalStack(options, infrastructure, new Mailbox(options.layout().smtp(), options.home().resolve("mailbox")), ca);
    try {
      stack.provisionKafka();
      stack.define();
      List<CompletableFuture<Void>> starting = new ArrayList<>();
      List<String> core = new ArrayList<>(List.of("tenant-service", "secrets-broker", "billing", "gateway"));
      core.addAll(stack.routers.keySet());
      for (String name : core) {
        starting.add(CompletableFuture.runAsync(() -> {
          stack.services.get(name).start().awaitHealthy(Duration.ofSeconds(180));
          log.info("{} is up", name);
        }));
      }
      CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).join();
      stack.services.get("execution-agent").start();
      log.info("local stack ready in {} s", (System.nanoTime() - started) / 1_000_000_000);
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  /** The platform operator's credentials: may create orgs, and API keys in them. */
  public record Operator(String clientId, String clientSecret) {}

  /**
   * The operator of this stack, in {@code operator.json} under its home: kept across restarts when
   * the data is kept, new otherwise.
   */
  public synchronized Operator operator() {
    if (operator != null) {
      return operator;
    }
    Path file = options.home().resolve("operator.json");
    try {
      if (options.keepData() && Files.exists(file)) {
        var json = MeridianClient.JSON.readTree(Files.readString(file));
        operator = new Operator(json.get("clientId").asString(), json.get("clientSecret").asString());
      } else {
        operator = new Operator("operator-" + UUID.randomUUID().toString().substring(0, 8), "mrdo_" + UUID.randomUUID().toString().replace("-", ""));
        Files.createDirectories(options.home());
        Secrets.write(file, MeridianClient.JSON.writeValueAsString(Map.of("clientId", operator.clientId(), "clientSecret", operator.clientSecret())));
      }
      return operator;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the operator's credentials in " + file, e);
    }
  }

  private Operator operator;

  /** A REST client of this stack acting as the platform operator. */
  public MeridianClient operatorClient() {
    Operator op = operator();
    return new MeridianClient(gatewayUrl(), new MeridianClient.Credentials(op.clientId(), op.clientSecret()));
  }

  /**
   * Creates org {@code slug} as the operator, and an owner API key in it; returns a client acting
   * with that key.
   */
  public MeridianClient newOrg(String slug, String name, String ownerEmail) {
    MeridianClient operator = operatorClient();
    MeridianClient.Response org = operator.post("/api/v1/orgs", Map.of("slug", slug, "name", name, "ownerEmail", ownerEmail));
    if (org.status() != 201) {
      throw new IllegalStateException("could not create org " + slug + ": " + org.status() + " " + org.body());
    }
    return operator.as(apiKey(operator, slug, "owner"));
  }

  /** Creates an API key with {@code role} in {@code org}, as {@code creator}. */
  public static MeridianClient.Credentials apiKey(MeridianClient creator, String org, String role) {
    MeridianClient.Response key = creator.post("/api/v1/orgs/" + org + "/api-keys", Map.of("name", role + "-key", "role", role));
    if (key.status() != 201) {
      throw new IllegalStateException("could not create an API key in " + org + ": " + key.status() + " " + key.body());
    }
    return new MeridianClient.Credentials(key.body().get("clientId").asString(), key.body().get("clientSecret").asString());
  }

  private void define() {
    Layout ports = options.layout();
    Operator operator = operator();
    String jdbc = infrastructure.postgres().jdbcUrl();
    String database = infrastructure.postgres().password();
    String kafka = infrastructure.kafka().bootstrapServers();
    Path logs = options.home().resolve("logs");
    services.put("tenant-service", service("tenant-service", logs, ports.tenantHttp(), withIdentity("tenant-service",
        "--server.port=" + ports.tenantHttp(),
        "--spring.grpc.server.port=" + ports.tenantGrpc(),
        "--spring.datasource.url=" + jdbc + "?currentSchema=tenant",
        // People and their browsers see one address, the gateway's: it is the issuer, and mail links point there.
        "--meridian.tenant.identity.issuer=" + gatewayUrl(),
        "--meridian.tenant.accounts.public-url=" + gatewayUrl(),
        "--spring.mail.host=127.0.0.1",
        "--spring.mail.port=" + mailbox.port(),
        // On one's own machine a token may last a working day; hosted, the default is 15 minutes.
        "--meridian.tenant.identity.access-token-ttl=8h",
        "--meridian.tenant.identity.operator.client-id=" + operator.clientId()),
        Map.of("MERIDIAN_TENANT_IDENTITY_OPERATOR_CLIENTSECRET", operator.clientSecret(), "SPRING_DATASOURCE_PASSWORD", database)));
    services.put("secrets-broker", service("secrets-broker", logs, ports.secretsHttp(), withIdentity("secrets-broker",
        "--server.port=" + ports.secretsHttp(),
        "--spring.grpc.server.port=" + ports.secretsGrpc(),
        "--spring.datasource.url=" + jdbc + "?currentSchema=secrets",
        // The embedded store: values sealed in PostgreSQL under a key that stays in this 0600 file.
        "--meridian.secrets.kek-file=" + options.home().resolve("secrets.kek")),
        Map.of("SPRING_DATASOURCE_PASSWORD", database)));
    services.put("billing", service("billing", logs, ports.billingHttp(), withIdentity("billing",
        "--server.port=" + ports.billingHttp(),
        "--spring.grpc.server.port=" + ports.billingGrpc(),
        "--spring.datasource.url=" + jdbc + "?currentSchema=billing",
        "--spring.kafka.bootstrap-servers=" + kafka,
        "--spring.kafka.security.protocol=SASL_SSL",
        "--spring.kafka.properties.sasl.mechanism=SCRAM-SHA-512",
        "--spring.kafka.ssl.trust-store-type=PEM",
        "--spring.kafka.ssl.trust-store-location=file:" + ca.caFile(),
        "--meridian.billing.router=127.0.0.1:" + ports.routerGrpc(),
        // On one machine a record reaches billing within a second or two: reconcile often, settle briefly.
        "--meridian.billing.reconcile-every=5s",
        "--meridian.billing.reconcile-settle=10s",
        "--management.endpoints.web.exposure.include=health,metrics"),
        Map.of("SPRING_DATASOURCE_PASSWORD", database,
            "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", ClusterCredentials.scramLogin(BILLING_PRINCIPAL, infrastructure.kafka().password(BILLING_PRINCIPAL)))));
    for (int i = 1; i <= options.routers(); i++) {
      RouterPorts router = i == 1 ? new RouterPorts(ports.routerHttp(), ports.routerGrpc(), ports.agentEndpoint())
          : options.layout().equals(Layout.fixed())
              ? new RouterPorts(ports.routerHttp() + i - 1, ports.routerGrpc() + i - 1, ports.agentEndpoint() + i - 1)
              : new RouterPorts(Ports.free(), Ports.free(), Ports.free());
      String name = i == 1 ? "cluster-router" : "cluster-router-" + i;
      routers.put(name, router);
      services.put(name, router(name, router));
    }
    services.put("gateway", service("gateway", logs, ports.gatewayHttp(), withIdentity("gateway",
        "--server.port=" + ports.gatewayHttp(),
        "--spring.grpc.server.port=" + ports.gatewayGrpc(),
        "--spring.datasource.url=" + jdbc + "?currentSchema=gateway",
        "--meridian.gateway.clients.tenant-service=127.0.0.1:" + ports.tenantGrpc(),
        "--meridian.gateway.clients.tenant-service-http=http://127.0.0.1:" + ports.tenantHttp(),
        "--meridian.gateway.clients.secrets-broker=127.0.0.1:" + ports.secretsGrpc(),
        "--meridian.gateway.clients.billing=127.0.0.1:" + ports.billingGrpc(),
        "--meridian.gateway.identity.issuer=" + gatewayUrl(),
        "--meridian.gateway.identity.jwk-set-uri=http://127.0.0.1:" + ports.tenantHttp() + "/oauth2/jwks",
        // Everything here (tests, load harnesses, you) comes from one address.
        "--meridian.gateway.identity.login.per-address-per-minute=6000",
        "--meridian.gateway.identity.login.sign-ups-per-address-per-hour=6000",
        "--management.endpoints.web.exposure.include=health,mappings",
        "--meridian.gateway.clients.cluster-router=" + String.join(",", routers.values().stream().map(r -> "127.0.0.1:" + r.grpc()).toList()),
        "--meridian.gateway.clusters.agent-endpoint=" + agentEndpointTarget(),
        "--meridian.gateway.clusters.kafka-bootstrap-servers=" + kafka), Map.of("SPRING_DATASOURCE_PASSWORD", database)));
    services.put("execution-agent", agent("execution-agent", sharedClusterToken, AgentOptions.process(options.home().resolve("agent")),
        agentEndpointTarget()));
  }

  /** One cluster-router process; several share the database, Kafka group and Temporal task queue, each holds its own agents' streams. */
  private ServiceProcess router(String name, RouterPorts ports) {
    String jdbc = infrastructure.postgres().jdbcUrl();
    String database = infrastructure.postgres().password();
    String kafka = infrastructure.kafka().bootstrapServers();
    Path logs = options.home().resolve("logs");
    return service("cluster-router", name, logs, ports.http(), withIdentity("cluster-router",
        "--meridian.router.id=" + name,
        "--server.port=" + ports.http(),
        "--spring.grpc.server.port=" + ports.grpc(),
        "--meridian.router.agents.endpoint.port=" + ports.agentEndpoint(),
        "--spring.datasource.url=" + jdbc + "?currentSchema=router",
        "--spring.kafka.bootstrap-servers=" + kafka,
        "--spring.kafka.security.protocol=SASL_SSL",
        "--spring.kafka.properties.sasl.mechanism=SCRAM-SHA-512",
        "--spring.kafka.ssl.trust-store-type=PEM",
        "--spring.kafka.ssl.trust-store-location=file:" + ca.caFile(),
        "--meridian.router.temporal.target=" + infrastructure.temporal().target(),
        "--meridian.router.agents.lost-after=" + options.lostAfter().toSeconds() + "s",
        "--meridian.router.admission.tenant-service=127.0.0.1:" + options.layout().tenantGrpc(),
        "--meridian.router.secrets-broker=127.0.0.1:" + options.layout().secretsGrpc(),
        "--management.endpoints.web.exposure.include=health,metrics"),
        Map.of("MERIDIAN_ROUTER_AGENTS_SHAREDCLUSTERTOKEN", sharedClusterToken, "SPRING_DATASOURCE_PASSWORD", database,
            "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", ClusterCredentials.scramLogin(ROUTER_PRINCIPAL, infrastructure.kafka().password(ROUTER_PRINCIPAL))));
  }

  static final String ROUTER_PRINCIPAL = "cluster-router";
  static final String BILLING_PRINCIPAL = "billing";

  /**
   * What the platform operator provisions in Kafka before the router starts: the router's principal
   * may use the topics of Meridian, its consumer group, and manage the clusters' principals, grants and quotas.
   */
  private void provisionKafka() {
    String user = "User:" + ROUTER_PRINCIPAL;
    List<AclBinding> acls = new ArrayList<>(KafkaBroker.onTopics(ROUTER_PRINCIPAL, "meridian.", AclOperation.ALL));
    acls.add(new AclBinding(new ResourcePattern(ResourceType.GROUP, "cluster-router", PatternType.LITERAL),
        new AccessControlEntry(user, "*", AclOperation.READ, AclPermissionType.ALLOW)));
    for (AclOperation operation : List.of(AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.DESCRIBE,
        AclOperation.DESCRIBE_CONFIGS, AclOperation.CREATE)) {
      acls.add(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
          new AccessControlEntry(user, "*", operation, AclPermissionType.ALLOW)));
    }
    infrastructure.kafka().ensurePrincipal(ROUTER_PRINCIPAL, acls);
    // Billing reads the usage topic, in its own group, and nothing else.
    String billing = "User:" + BILLING_PRINCIPAL;
    infrastructure.kafka().ensurePrincipal(BILLING_PRINCIPAL, List.of(
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, "meridian.usage.v1", PatternType.LITERAL),
            new AccessControlEntry(billing, "*", AclOperation.READ, AclPermissionType.ALLOW)),
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, "meridian.usage.v1", PatternType.LITERAL),
            new AccessControlEntry(billing, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)),
        new AclBinding(new ResourcePattern(ResourceType.GROUP, "billing", PatternType.LITERAL),
            new AccessControlEntry(billing, "*", AclOperation.READ, AclPermissionType.ALLOW))));
  }

  /** {@code args} and the {@code --meridian.tls.*} arguments that give {@code service} its certificate. */
  private List<String> withIdentity(String service, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(ca.identity(service).arguments());
    return all;
  }

  /**
   * How an extra agent runs: {@code backend} {@code process} or {@code simulated}; GPUs it offers by
   * type; how long simulated attempts take and how often they fail; its labels.
   */
  public record AgentOptions(String backend, Path workDir, Map<String, Integer> gpus, Duration simulatedDuration,
      double failureRate, Map<String, String> labels) {

    public static AgentOptions process(Path workDir) {
      return new AgentOptions("process", workDir, Map.of(), Duration.ofSeconds(3), 0, Map.of());
    }

    public static AgentOptions simulated(Map<String, Integer> gpus, Duration duration) {
      return new AgentOptions("simulated", null, gpus, duration, 0, Map.of());
    }

    List<String> args() {
      List<String> args = new ArrayList<>(List.of("--meridian.agent.backend=" + backend,
          "--meridian.agent.simulation.duration=" + simulatedDuration.toMillis() + "ms",
          "--meridian.agent.simulation.failure-rate=" + failureRate));
      if (workDir != null) {
        args.add("--meridian.agent.work-dir=" + workDir);
      }
      gpus.forEach((type, count) -> args.add("--meridian.agent.capacity.gpus[" + type + "]=" + count));
      labels.forEach((key, value) -> args.add("--meridian.agent.labels[" + key + "]=" + value));
      return args;
    }
  }

  private ServiceProcess agent(String name, String token, AgentOptions agent, String routerTarget) {
    List<String> args = new ArrayList<>(List.of(
        "--meridian.agent.router-target=" + routerTarget,
        "--meridian.agent.ca-bundle=" + ca.caFile(),
        "--spring.kafka.bootstrap-servers=" + infrastructure.kafka().bootstrapServers()));
    args.addAll(agent.args());
    Path jar = options.repository().resolve("execution-agent").resolve("target").resolve("execution-agent-" + VERSION + "-exec.jar");
    return new ServiceProcess(name, jar, options.jvm().flags(), args, Map.of("MERIDIAN_AGENT_TOKEN", token),
        options.home().resolve("logs").resolve(name + ".log"), null);
  }

  /** Connects one more agent, for a cluster registered through the API with {@code token}. */
  public ServiceProcess startAgent(String name, String token, AgentOptions agent) {
    return startAgent(name, token, agent, agentEndpointTarget());
  }

  /** As {@link #startAgent(String, String, AgentOptions)}, connecting to {@code routerTarget} (one or several agent endpoints). */
  public ServiceProcess startAgent(String name, String token, AgentOptions agent, String routerTarget) {
    ServiceProcess process = agent(name, token, agent, routerTarget);
    if (services.putIfAbsent(name, process) != null) {
      throw new IllegalArgumentException("there is already a service or agent named " + name);
    }
    return process.start();
  }

  /** Stops (SIGTERM) and forgets an agent started with {@link #startAgent}. */
  public void stopAgent(String name) {
    ServiceProcess agent = services.remove(name);
    if (agent != null) {
      agent.close();
    }
  }

  /** Where agents connect (TLS, the agent stream only): every router's agent endpoint, the first that answers takes the stream. */
  public String agentEndpointTarget() {
    return String.join(",", routers.keySet().stream().limit(options.routers()).map(this::agentEndpointTarget).toList());
  }

  /** A channel to the agent endpoint as an agent opens it: TLS, checked against this stack's CA. */
  public ManagedChannel agentChannel() {
    return ServiceChannels.toAgentEndpoint(agentEndpointTarget(), ca.caFile());
  }

  /** One channel to each router's agent endpoint, in start order: a fleet of agents spread over them. */
  public List<ManagedChannel> agentChannels() {
    return routers.keySet().stream().map(router -> ServiceChannels.toAgentEndpoint(agentEndpointTarget(router), ca.caFile())).toList();
  }

  /** The stack's CA: the tests use it to play a service, or to show that a foreign one is refused. */
  public DeploymentCa ca() {
    return ca;
  }

  public String routerInternalTarget() {
    return "127.0.0.1:" + options.layout().routerGrpc();
  }

  public String tenantInternalTarget() {
    return "127.0.0.1:" + options.layout().tenantGrpc();
  }

  public String secretsInternalTarget() {
    return "127.0.0.1:" + options.layout().secretsGrpc();
  }

  public String routerMetricsUrl() {
    return "http://127.0.0.1:" + options.layout().routerHttp() + "/actuator/metrics";
  }

  private ServiceProcess service(String module, Path logs, Integer healthPort, List<String> args, Map<String, String> secrets) {
    return service(module, module, logs, healthPort, args, secrets);
  }

  private ServiceProcess service(String module, String name, Path logs, Integer healthPort, List<String> args, Map<String, String> secrets) {
    Path jar = options.repository().resolve(module).resolve("target").resolve(module + "-" + VERSION + "-exec.jar");
    return new ServiceProcess(name, jar, options.jvm().flags(), args, secrets, logs.resolve(name + ".log"), healthPort);
  }

  /**
   * Starts one more router on free ports, beside those the stack started with (the gateway keeps
   * calling those); returns its name. Agents reach it through {@link #agentEndpointTarget(String)}.
   */
  public String addRouter() {
    String name = "cluster-router-" + (routers.size() + 1);
    RouterPorts ports = new RouterPorts(Ports.free(), Ports.free(), Ports.free());
    ServiceProcess router = router(name, ports);
    services.put(name, router);
    routers.put(name, ports);
    router.start().awaitHealthy(Duration.ofSeconds(180));
    return name;
  }

  /** The agent endpoint of one router. */
  public String agentEndpointTarget(String router) {
    RouterPorts ports = routers.get(router);
    if (ports == null) {
      throw new IllegalArgumentException("no router " + router + "; routers are " + routers.keySet());
    }
    return "127.0.0.1:" + ports.agentEndpoint();
  }

  public ServiceProcess service(String name) {
    ServiceProcess service = services.get(name);
    if (service == null) {
      throw new IllegalArgumentException("no service " + name + "; services are " + services.keySet());
    }
    return service;
  }

  public String gatewayGrpcTarget() {
    return "127.0.0.1:" + options.layout().gatewayGrpc();
  }

  public String gatewayUrl() {
    return "http://127.0.0.1:" + options.layout().gatewayHttp();
  }

  public Options options() {
    return options;
  }

  public Infrastructure infrastructure() {
    return infrastructure;
  }

  /** Where the stack's e-mail goes. */
  public Mailbox mailbox() {
    return mailbox;
  }

  private static final List<String> CORE = List.of("gateway", "cluster-router", "tenant-service", "secrets-broker", "billing");

  /** Stops the agents, then the services (SIGTERM, so Kafka groups rebalance at once), then the infrastructure. */
  @Override
  public void close() {
    services.entrySet().parallelStream().filter(e -> !CORE.contains(e.getKey())).forEach(e -> e.getValue().close());
    CORE.stream().map(services::get).filter(java.util.Objects::nonNull).forEach(ServiceProcess::close);
    infrastructure.close();
    mailbox.close();
  }

  static Path repositoryRoot() {
    String configured = System.getProperty("meridian.repository");
    Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("devstack"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the Meridian checkout above " + start);
  }
}
