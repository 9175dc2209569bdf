package dev.meridian.devstack;

import dev.meridian.testkit.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./meridian up}: starts the local stack on fixed ports with its data under {@code .meridian/},
 * seeds org {@code demo} with project {@code quickstart} and the example workflow, writes what to do
 * next to {@code .meridian/summary.txt}, and runs until SIGTERM ({@code ./meridian down}).
 */
public final class LocalStackMain {

  private LocalStackMain() {}

  public static void main(String[] args) throws Exception {
    Path repository = LocalStack.repositoryRoot();
    Path home = repository.resolve(".meridian");
    Files.createDirectories(home);
    Files.deleteIfExists(home.resolve("ready"));
    Files.deleteIfExists(home.resolve("failed"));
    LocalStack stack;
    try {
      // The full JIT: ~8 s longer to start than the tests' C1-only services, and half as much again
      // launch and read throughput once warm (docs/benchmarks.md, launch run 1).
      // Several routers (./meridian up --routers N) share the work; each holds the streams of the agents connected to it.
      int routers = Integer.parseInt(System.getProperty("meridian.routers", "1"));
      stack = LocalStack.start(new LocalStack.Options(home, repository, LocalStack.Layout.fixed(), true, Duration.ofSeconds(60),
          LocalStack.ServiceJvm.THROUGHPUT, routers));
    } catch (RuntimeException e) {
      Files.writeString(home.resolve("failed"), String.valueOf(e.getMessage()));
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        Files.deleteIfExists(home.resolve("ready"));
      } catch (IOException ignored) {
        // the stack stops either way
      }
      stack.close();
    }, "meridian-down"));

    MeridianClient client = seed(stack, home);
    SimGpuCluster.start(stack, client);
    Files.writeString(home.resolve("agent-endpoint"), stack.agentEndpointTarget());
    Files.writeString(home.resolve("summary.txt"), summary(stack, home));
    Files.writeString(home.resolve("ready"), Long.toString(ProcessHandle.current().pid()));
    Thread.currentThread().join();
  }

  /** Org demo (created by the operator) and its owner API key, kept in {@code demo-api-key.json} across restarts. */
  private static MeridianClient seed(LocalStack stack, Path home) throws IOException {
    MeridianClient operator = stack.operatorClient();
    var org = operator.post("/api/v1/orgs", Map.of("slug", "demo", "name", "Demo", "ownerEmail", "demo@meridian.local"));
    if (org.status() != 201 && org.status() != 409) {
      throw new IllegalStateException("could not create org demo: " + org.status() + " " + org.body());
    }
    Path keyFile = home.resolve("demo-api-key.json");
    MeridianClient client = null;
    if (Files.exists(keyFile)) {
      var saved = MeridianClient.JSON.readTree(Files.readString(keyFile));
      client = operator.as(new MeridianClient.Credentials(saved.get("clientId").asString(), saved.get("clientSecret").asString()));
      try {
        client.token();
      } catch (IllegalStateException revoked) {
        client = null;
      }
    }
    if (client == null) {
      MeridianClient.Credentials key = LocalStack.apiKey(operator, "demo", "owner");
      Secrets.write(keyFile, MeridianClient.JSON.writeValueAsString(Map.of("clientId", key.clientId(), "clientSecret", key.clientSecret())));
      client = operator.as(key);
    }
    var project = client.post("/api/v1/orgs/demo/projects", Map.of("id", "quickstart", "name", "Quickstart"));
    if (project.status() != 201 && project.status() != 409) {
      throw new IllegalStateException("could not create project quickstart: " + project.status() + " " + project.body());
    }
    Examples.register(client, "/api/v1/orgs/demo/projects/quickstart/domains/development");
    seedConsoleLogin(stack, client, home.resolve("demo-login.json"));
    return client;
  }

  /**
   * A person who owns org demo, so the console can be tried at once: invited by the owner key and
   * joined through the mailed link, as anyone would; e-mail and password kept in {@code demo-login.json}.
   */
  private static void seedConsoleLogin(LocalStack stack, MeridianClient owner, Path file) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    String email = "demo-owner@meridian.local";
    var invited = owner.post("/api/v1/orgs/demo/members", Map.of("email", email, "role", "owner"));
    if (invited.status() == 409) {
      return; // joined on an earlier start whose demo-login.json is gone: sign up an org of your own instead
    }
    if (invited.status() != 201) {
      throw new IllegalStateException("could not invite the demo owner: " + invited.status() + " " + invited.body());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    var link = stack.mailbox().latestLinkTo(email);
    while (link.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      link = stack.mailbox().latestLinkTo(email);
    }
    String token = link.orElseThrow(() -> new IllegalStateException("the demo owner's invitation did not arrive in " + stack.mailbox().directory()));
    String password = "demo-" + UUID.randomUUID();
    var joined = new MeridianClient(stack.gatewayUrl()).post("/api/v1/invitations/accept",
        Map.of("token", token.substring(token.indexOf("token=") + "token=".length()), "password", password));
    if (joined.status() != 200) {
      throw new IllegalStateException("the demo owner could not join: " + joined.status() + " " + joined.body());
    }
    Secrets.write(file, MeridianClient.JSON.writeValueAsString(Map.of("email", email, "password", password)));
  }

  private static String summary(LocalStack stack, Path home) {
    String api = stack.gatewayUrl() + "/api/v1";
    String scope = api + "/orgs/demo/projects/quickstart/domains/development";
    return """
        Meridian is up.

          Console     %3$s/  sign in as org demo's owner (e-mail and password in %10$s),
                      or create your own org at %3$s/signup (the confirmation e-mail lands in
                      %9$s, one text file per message)
          REST API    %1$s
          gRPC API    127.0.0.1:%2$d
          Health      %3$s/actuator/health
          Agents      connect to %11$s over TLS (CA %12$s); nothing internal answers without
                      this stack's certificates (docs/security.md)
          Example     org demo, project quickstart, domain development:
                      workflow and launch plan quickstart.fanout version 1 (fan-out, fan-in),
                      workflow quickstart.gpu version 1 (needs nvidia-h100 GPUs),
                      workflow quickstart.sweep version 1 (a map node: squares a list,
                      docs/examples/quickstart/execution-sweep.json launches it)
          Clusters    local (runs tasks as processes, serves every org) and sim-gpu
                      (simulated, 8 × nvidia-h100, org demo): GET %1$s/orgs/demo/clusters

        Every API call needs an access token. Org demo's owner API key is in %8$s;
        get a token for it (valid 8 hours here) with:
          TOKEN=$(./meridian token)

        Launch the example (prints the new execution; note its "id"):
          curl -s -X POST %4$s/executions -H "Authorization: Bearer $TOKEN" \\
               -H 'Content-Type: application/json' -H 'Idempotency-Key: my-first-run' \\
               -d '{"launchPlan":{"name":"quickstart.fanout","version":"1"},"inputs":{"n":4}}'

        Watch it:
          curl -s -H "Authorization: Bearer $TOKEN" %4$s/executions/<id>

        Attach another agent (register a cluster first; its answer has the token):
          ./meridian agent --token <token> --backend simulated --gpus nvidia-a10=4

        Operator     %7$s holds the platform operator's credentials
                     (POST /oauth2/token with them as HTTP Basic; may create orgs and their API keys)
        Logs         %5$s (one file per service)
        Task logs    %6$s (one directory per attempt)
        Stop         ./meridian down
        """.formatted(api, stack.options().layout().gatewayGrpc(), stack.gatewayUrl(), scope,
        home.resolve("logs"), home.resolve("agent"), home.resolve("operator.json"), home.resolve("demo-api-key.json"),
        stack.mailbox().directory(), home.resolve("demo-login.json"), stack.agentEndpointTarget(), stack.ca().caFile());
  }
}
