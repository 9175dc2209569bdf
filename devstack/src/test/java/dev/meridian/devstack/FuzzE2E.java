package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.testkit.HostileJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every write endpoint of the public API, fed hostile variants of a valid body (testkit's {@link
 * HostileJson}): wrong types, huge numbers, deep JSON, odd strings, large and cyclic graphs. Not one
 * answer may be a 5xx, and the stack works as before afterwards.
 */
@ExtendWith(LocalStackExtension.class)
class FuzzE2E {

  private record Endpoint(String method, String path, Object valid) {}

  @Test
  void noWriteEndpointAnswersHostileInputWithA5xxAndTheStackStaysHealthy(LocalStackExtension.Tenant tenant) {
    String org = "/api/v1/orgs/" + tenant.org();
    String scope = tenant.scope();
    List<Endpoint> endpoints = List.of(
        new Endpoint("POST", scope + "/tasks", Tasks.shell("fuzzed", List.of("x"), List.of("y"), "true", 1, "1m", Map.of("A", "b"))),
        new Endpoint("POST", scope + "/workflows", Tasks.chain("fuzzed.chain", "quickstart.square", 2)),
        new Endpoint("POST", scope + "/launch-plans", Map.of("name", "fuzzed.lp", "version", "1",
            "workflow", Map.of("name", "quickstart.fanout", "version", "1"), "defaultInputs", Map.of("n", 2))),
        new Endpoint("POST", scope + "/executions", Map.of("workflow", Map.of("name", "quickstart.fanout", "version", "1"),
            "inputs", Map.of("n", 1))),
        new Endpoint("POST", org + "/projects", Map.of("id", "fuzzed", "name", "Fuzzed", "description", "d")),
        new Endpoint("POST", org + "/api-keys", Map.of("name", "fuzzed", "role", "viewer")),
        new Endpoint("POST", org + "/members", Map.of("email", "fuzzed@example.com", "role", "viewer")),
        new Endpoint("POST", org + "/clusters", Map.of("name", "fuzzed", "region", "eu", "labels", Map.of("a", "b"))),
        new Endpoint("PUT", org + "/quota", Map.of("gpus", Map.of("nvidia-h100", 2), "cpu", "8", "memory", "16Gi",
            "maxConcurrentExecutions", 10, "maxQueuedExecutions", 100, "requestsPerSecond", 50)),
        new Endpoint("POST", "/api/v1/signup", Map.of("orgName", "Fuzz", "orgSlug", "fuzz-" + tenant.org(), "email", "f@example.com",
            "password", "correct horse battery staple")),
        new Endpoint("POST", "/api/v1/signup/confirm", Map.of("token", "not-a-token")),
        new Endpoint("POST", "/api/v1/invitations/accept", Map.of("token", "not-a-token", "password", "correct horse battery staple")));

    Map<String, Integer> failures = new LinkedHashMap<>();
    int sent = 0;
    for (Endpoint endpoint : endpoints) {
      String valid = MeridianClient.JSON.writeValueAsString(endpoint.valid());
      for (HostileJson.Case hostile : HostileJson.variants(valid, 3)) {
        var response = tenant.api().raw(endpoint.method(), endpoint.path(), hostile.body());
        sent++;
        if (response.status() >= 500) {
          failures.put(endpoint.method() + " " + endpoint.path() + ": " + hostile.description() + " -> " + response.raw().body(), response.status());
        }
      }
    }
    for (var graph : hostileGraphs().entrySet()) {
      var response = tenant.api().raw("POST", scope + "/workflows", MeridianClient.JSON.writeValueAsString(graph.getValue()));
      sent++;
      assertThat(response.status()).as(graph.getKey() + ": " + response.raw().body()).isBetween(400, 499);
    }

    assertThat(failures).as("5xx answers out of " + sent + " hostile requests").isEmpty();
    assertThat(new MeridianClient(tenant.stack().gatewayUrl()).get("/actuator/health").status()).isEqualTo(200);
    String id = ExecutionE2E.launch(tenant, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 2)));
    assertThat(ExecutionE2E.awaitPhase(tenant, id, java.time.Duration.ofSeconds(90), "SUCCEEDED", "FAILED").get("phase").asString())
        .isEqualTo("SUCCEEDED");
  }

  @Test
  void anOversizedBodyIs413OnEveryPathWhetherItsLengthIsDeclaredOrNot(LocalStackExtension.Tenant tenant) throws Exception {
    String big = "{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
    var registered = tenant.api().raw("POST", tenant.scope() + "/tasks", big);
    assertThat(registered.status()).isEqualTo(413);
    assertThat(registered.body().get("type").asString()).endsWith("/too-large");
    assertThat(tenant.api().raw("POST", "/api/v1/signup", big).status()).as("unauthenticated paths too").isEqualTo(413);

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String form = "grant_type=client_credentials&pad=" + "x".repeat(32 * 1024);
    var token = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tenant.stack().gatewayUrl() + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).as("/oauth2/token takes 16 KiB at most").isEqualTo(413);

    // No declared length (chunked): read to the limit, and no further.
    var chunked = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tenant.stack().gatewayUrl() + "/api/v1/signup"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes()))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(new MeridianClient(tenant.stack().gatewayUrl()).get("/actuator/health").status()).isEqualTo(200);
  }

  @Test
  void jsonNestedDeeperThanTheApiAllowsIsALocated422(LocalStackExtension.Tenant tenant) {
    var deep = tenant.api().raw("POST", tenant.scope() + "/executions", "{\"inputs\":" + "[".repeat(100) + "]".repeat(100) + "}");

    assertThat(deep.status()).isEqualTo(422);
    assertThat(deep.body().get("errors").get(0).get("message").asString()).contains("at most 64 levels");
  }

  /** Graphs too large to register, and cycles long enough to overflow a recursive search. */
  private static Map<String, ObjectNode> hostileGraphs() {
    Map<String, ObjectNode> graphs = new LinkedHashMap<>();
    graphs.put("10,001 nodes", chain("fuzzed.huge", 10_001, false));
    graphs.put("a cycle through 5,000 nodes", chain("fuzzed.cycle", 5_000, true));
    return graphs;
  }

  private static ObjectNode chain(String name, int length, boolean closed) {
    ObjectNode workflow = MeridianClient.JSON.createObjectNode().put("name", name).put("version", "1");
    ArrayNode nodes = workflow.putArray("nodes");
    for (int i = 1; i <= length; i++) {
      ObjectNode node = nodes.addObject().put("id", "n" + i);
      node.putObject("task").put("name", "quickstart.square").put("version", "1");
      int from = i == 1 ? (closed ? length : 0) : i - 1;
      if (from > 0) {
        node.putObject("inputs").putObject("x").put("fromNode", "n" + from).put("output", "y");
      } else {
        node.putObject("inputs").putObject("x").put("value", 1);
      }
    }
    return workflow;
  }
}
