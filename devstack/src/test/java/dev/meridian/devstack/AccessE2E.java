package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import dev.meridian.proto.api.v1.Api;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The isolation matrix. Every endpoint the gateway serves — REST from its own request mappings
 * ({@code /actuator/mappings}), gRPC from the {@code meridian.api.v1} contract — is called (1) with
 * org A's owner token on org B's resources, which must be 404 (gRPC NOT_FOUND) whatever B owns, and
 * (2) with each role of org A on A's own resources, which must be 403 (PERMISSION_DENIED) exactly
 * for the roles below what the endpoint needs. An endpoint missing from {@link #REST} or
 * {@link #GRPC} fails the test: whoever adds one decides here who may call it.
 */
class AccessE2E {

  private static final List<String> ROLES = List.of("viewer", "member", "admin", "owner");

  /** "METHOD pattern" as the gateway maps it → the least role that may call it. */
  /** Endpoints for people who have no token yet (signing up, joining): they must answer without one. */
  private static final String ANYONE = "anyone";

  static final Map<String, String> REST = Map.ofEntries(
      Map.entry("POST /api/v1/orgs", "operator"),
      Map.entry("GET /api/v1/orgs/{org}", "viewer"),
      Map.entry("GET /api/v1/orgs/{org}/projects", "viewer"),
      Map.entry("POST /api/v1/orgs/{org}/projects", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/domains/{domain}/{kind:tasks|workflows|launch-plans}", "viewer"),
      Map.entry("POST /api/v1/orgs/{org}/projects/{project}/domains/{domain}/{kind:tasks|workflows|launch-plans}", "member"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/domains/{domain}/{kind:tasks|workflows|launch-plans}/{name}/versions/{version}", "viewer"),
      Map.entry("PUT /api/v1/orgs/{org}/projects/{project}/domains/{domain}/launch-plans/{name}/versions/{version}/state", "member"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions", "viewer"),
      Map.entry("POST /api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions", "member"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions/{id}", "viewer"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions/{id}/nodes/{node}/items", "viewer"),
      Map.entry("POST /api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions/{id}/terminate", "member"),
      Map.entry("GET /api/v1/orgs/{org}/clusters", "admin"),
      Map.entry("POST /api/v1/orgs/{org}/clusters", "admin"),
      Map.entry("POST /api/v1/orgs/{org}/clusters/{id}/cordon", "admin"),
      Map.entry("POST /api/v1/orgs/{org}/clusters/{id}/uncordon", "admin"),
      Map.entry("DELETE /api/v1/orgs/{org}/clusters/{id}", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/quota", "viewer"),
      Map.entry("PUT /api/v1/orgs/{org}/quota", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/projects/{project}/quota", "viewer"),
      Map.entry("PUT /api/v1/orgs/{org}/projects/{project}/quota", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/quota/usage", "viewer"),
      Map.entry("GET /api/v1/orgs/{org}/quota/changes", "viewer"),
      Map.entry("GET /api/v1/orgs/{org}/api-keys", "admin"),
      Map.entry("POST /api/v1/orgs/{org}/api-keys", "admin"),
      Map.entry("DELETE /api/v1/orgs/{org}/api-keys/{id}", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/members", "admin"),
      Map.entry("POST /api/v1/orgs/{org}/members", "admin"),
      Map.entry("PATCH /api/v1/orgs/{org}/members/{userId}", "admin"),
      Map.entry("DELETE /api/v1/orgs/{org}/members/{userId}", "admin"),
      Map.entry("PUT /api/v1/orgs/{org}/secrets/{name}", "admin"),
      Map.entry("DELETE /api/v1/orgs/{org}/secrets/{name}", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/secrets", "member"),
      Map.entry("GET /api/v1/orgs/{org}/secrets/audit", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/usage", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/invoices", "admin"),
      Map.entry("GET /api/v1/orgs/{org}/invoices/{id}", "admin"),
      Map.entry("PUT /api/v1/operator/prices/{resource}", "operator"),
      Map.entry("POST /api/v1/operator/billing/periods/{period}/close", "operator"),
      Map.entry("POST /api/v1/signup", ANYONE),
      Map.entry("POST /api/v1/signup/confirm", ANYONE),
      Map.entry("POST /api/v1/invitations/accept", ANYONE));

  /** Full gRPC method name → the least role that may call it. */
  static final Map<String, String> GRPC = Map.ofEntries(
      Map.entry("meridian.api.v1.ProjectService/CreateProject", "admin"),
      Map.entry("meridian.api.v1.ProjectService/ListProjects", "viewer"),
      Map.entry("meridian.api.v1.RegistryService/RegisterTask", "member"),
      Map.entry("meridian.api.v1.RegistryService/GetTask", "viewer"),
      Map.entry("meridian.api.v1.RegistryService/RegisterWorkflow", "member"),
      Map.entry("meridian.api.v1.RegistryService/GetWorkflow", "viewer"),
      Map.entry("meridian.api.v1.RegistryService/RegisterLaunchPlan", "member"),
      Map.entry("meridian.api.v1.RegistryService/GetLaunchPlan", "viewer"),
      Map.entry("meridian.api.v1.ExecutionService/CreateExecution", "member"),
      Map.entry("meridian.api.v1.ExecutionService/GetExecution", "viewer"),
      Map.entry("meridian.api.v1.ExecutionService/ListExecutions", "viewer"),
      Map.entry("meridian.api.v1.ExecutionService/ListMapItems", "viewer"),
      Map.entry("meridian.api.v1.ExecutionService/TerminateExecution", "member"),
      Map.entry("meridian.api.v1.QuotaService/GetQuota", "viewer"),
      Map.entry("meridian.api.v1.QuotaService/SetQuota", "admin"),
      Map.entry("meridian.api.v1.QuotaService/GetQuotaUsage", "viewer"),
      Map.entry("meridian.api.v1.SecretService/PutSecret", "admin"),
      Map.entry("meridian.api.v1.SecretService/DeleteSecret", "admin"),
      Map.entry("meridian.api.v1.SecretService/ListSecrets", "member"),
      Map.entry("meridian.api.v1.SecretService/ListSecretAudit", "admin"),
      Map.entry("meridian.api.v1.UsageService/GetUsage", "admin"),
      Map.entry("meridian.api.v1.UsageService/ListInvoices", "admin"),
      Map.entry("meridian.api.v1.UsageService/GetInvoice", "admin"));

  private static LocalStackExtension.Tenant a;
  private static LocalStackExtension.Tenant b;
  /** Ids of org B's resources, by the path segment they follow. */
  private static Map<String, String> bIds;

  @BeforeAll
  static void twoOrgsThatEachOwnResources() {
    a = LocalStackExtension.newTenant();
    b = LocalStackExtension.newTenant();
    for (LocalStackExtension.Tenant tenant : List.of(a, b)) {
      assertThat(tenant.api().put("/api/v1/orgs/" + tenant.org() + "/quota", Map.of("requestsPerSecond", 10_000)).status()).isEqualTo(200);
    }
    String execution = ExecutionE2E.launch(b, Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 1)));
    String cluster = b.api().post("/api/v1/orgs/" + b.org() + "/clusters", Map.of("name", "b-cluster")).body().get("id").asString();
    String key = b.api().post("/api/v1/orgs/" + b.org() + "/api-keys", Map.of("name", "b-key", "role", "viewer")).body().get("id").asString();
    bIds = Map.of("executions", execution, "clusters", cluster, "api-keys", key);
  }

  private static List<String> restEndpoints() {
    JsonNode mappings = new MeridianClient(a.stack().gatewayUrl()).get("/actuator/mappings").body();
    TreeSet<String> endpoints = new TreeSet<>();
    for (JsonNode context : mappings.get("contexts")) {
      for (JsonNode servlet : context.get("mappings").get("dispatcherServlets")) {
        for (JsonNode mapping : servlet) {
          JsonNode conditions = mapping.path("details").path("requestMappingConditions");
          for (JsonNode pattern : conditions.path("patterns")) {
            if (pattern.asString().startsWith("/api/v1")) {
              conditions.path("methods").forEach(method -> endpoints.add(method.asString() + " " + pattern.asString()));
            }
          }
        }
      }
    }
    return new ArrayList<>(endpoints);
  }

  private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z]+)(:([^}]*))?}");

  /** The endpoint's path on {@code org}'s resources; {@code {kind:a|b}} takes its first alternative. */
  private static String path(String pattern, String org, Map<String, String> ids) {
    Matcher variable = VARIABLE.matcher(pattern);
    StringBuilder path = new StringBuilder();
    String previous = "";
    int at = 0;
    while (variable.find()) {
      String before = pattern.substring(at, variable.start());
      path.append(before);
      String[] segments = (previous + before).split("/");
      String owner = segments.length == 0 ? "" : segments[segments.length - 1];
      path.append(switch (variable.group(1)) {
        case "org" -> org;
        case "project" -> "proj";
        case "domain" -> "development";
        case "kind" -> variable.group(3).split("\\|")[0];
        case "name" -> "quickstart.fanout";
        case "version" -> "1";
        case "id" -> ids.getOrDefault(owner, "x0");
        default -> "x0";
      });
      previous = path.toString();
      at = variable.end();
    }
    return path.append(pattern.substring(at)).toString();
  }

  private static MeridianClient.Response call(MeridianClient client, String method, String path) {
    return switch (method) {
      case "GET" -> client.get(path);
      case "POST" -> client.post(path, Map.of());
      case "PUT" -> client.put(path, Map.of());
      case "PATCH" -> client.patch(path, Map.of());
      case "DELETE" -> client.delete(path);
      default -> throw new IllegalArgumentException(method);
    };
  }

  @Test
  void nobodyHandsOutARoleAboveTheirOwnToAKeyOrAnInvitation() {
    String keys = "/api/v1/orgs/" + a.org() + "/api-keys";
    String members = "/api/v1/orgs/" + a.org() + "/members";
    MeridianClient admin = a.api().as(LocalStack.apiKey(a.api(), a.org(), "admin"));

    var ownerKey = admin.post(keys, Map.of("name", "escalate", "role", "owner"));
    assertThat(ownerKey.status()).as(ownerKey.body().toString()).isEqualTo(403);
    assertThat(ownerKey.body().get("detail").asString()).contains("above their own");
    assertThat(admin.post(members, Map.of("email", "boss@" + a.org() + ".test", "role", "owner")).status()).isEqualTo(403);
    assertThat(admin.post(keys, Map.of("name", "peer", "role", "admin")).status()).isEqualTo(201);
    assertThat(admin.post(members, Map.of("email", "peer@" + a.org() + ".test", "role", "admin")).status()).isEqualTo(201);
    assertThat(a.api().post(keys, Map.of("name", "co-owner", "role", "owner")).status()).as("an owner may").isEqualTo(201);
    assertThat(a.api().get(keys).body().get("items").valueStream().map(key -> key.get("role").asString() + ":" + key.get("name").asString()))
        .doesNotContain("owner:escalate");
  }

  @Test
  void everyRestEndpointIsInTheMatrixHidesOtherOrgsAndRefusesRolesBelowItsNeed() {
    List<String> endpoints = restEndpoints();
    assertThat(endpoints).as("REST endpoints the gateway serves").hasSizeGreaterThan(20);
    assertThat(REST.keySet()).as("add every new endpoint to AccessE2E.REST with the least role it needs")
        .containsAll(endpoints);

    Map<String, MeridianClient> roles = new java.util.HashMap<>();
    for (String role : ROLES) {
      roles.put(role, a.api().as(LocalStack.apiKey(a.api(), a.org(), role)));
    }
    SoftAssertions softly = new SoftAssertions();
    for (String endpoint : endpoints) {
      String method = endpoint.substring(0, endpoint.indexOf(' '));
      String pattern = endpoint.substring(endpoint.indexOf(' ') + 1);
      if (!pattern.contains("{org}")) {
        continue;
      }
      MeridianClient.Response foreign = call(a.api(), method, path(pattern, b.org(), bIds));
      softly.assertThat(foreign.status()).as("org A's owner: %s on org B", endpoint).isEqualTo(404);

      String required = REST.get(endpoint);
      for (String role : ROLES) {
        int status = call(roles.get(role), method, path(pattern, a.org(), Map.of())).status();
        if (ROLES.indexOf(role) < ROLES.indexOf(required)) {
          softly.assertThat(status).as("%s: %s (needs %s)", role, endpoint, required).isEqualTo(403);
        } else {
          softly.assertThat(status).as("%s: %s (needs %s)", role, endpoint, required).isNotIn(401, 403);
        }
      }
    }
    softly.assertAll();
  }

  @Test
  void withoutAValidTokenEveryRestEndpointIs401() {
    MeridianClient anonymous = new MeridianClient(a.stack().gatewayUrl());
    SoftAssertions softly = new SoftAssertions();
    for (String endpoint : restEndpoints()) {
      String method = endpoint.substring(0, endpoint.indexOf(' '));
      var response = call(anonymous, method, path(endpoint.substring(endpoint.indexOf(' ') + 1), a.org(), Map.of()));
      if (ANYONE.equals(REST.get(endpoint))) {
        softly.assertThat(response.status()).as("%s needs no token", endpoint).isNotIn(401, 403);
        continue;
      }
      softly.assertThat(response.status()).as(endpoint).isEqualTo(401);
      softly.assertThat(response.header("Content-Type")).as(endpoint).isEqualTo("application/problem+json");
    }
    softly.assertAll();
  }

  @Test
  void everyGrpcMethodIsInTheMatrixHidesOtherOrgsAndRefusesRolesBelowItsNeed() {
    List<Descriptors.MethodDescriptor> methods = new ArrayList<>();
    Api.getDescriptor().getServices().forEach(service -> methods.addAll(service.getMethods()));
    assertThat(GRPC.keySet()).as("add every new gRPC method to AccessE2E.GRPC with the least role it needs")
        .containsAll(methods.stream().map(AccessE2E::fullName).toList());

    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(grpcStatus(a, methods.getFirst(), b.org())).as("org A's owner on org B").isEqualTo(Status.Code.NOT_FOUND);
    for (Descriptors.MethodDescriptor method : methods) {
      softly.assertThat(grpcStatus(a, method, b.org())).as("org A's owner: %s on org B", fullName(method)).isEqualTo(Status.Code.NOT_FOUND);
      String required = GRPC.get(fullName(method));
      for (String role : ROLES) {
        var tenant = new LocalStackExtension.Tenant(a.stack(), a.api().as(LocalStack.apiKey(a.api(), a.org(), role)), a.org(), a.scope());
        Status.Code code = grpcStatus(tenant, method, a.org());
        if (ROLES.indexOf(role) < ROLES.indexOf(required)) {
          softly.assertThat(code).as("%s: %s (needs %s)", role, fullName(method), required).isEqualTo(Status.Code.PERMISSION_DENIED);
        } else {
          softly.assertThat(code).as("%s: %s (needs %s)", role, fullName(method), required)
              .isNotIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED);
        }
      }
    }
    softly.assertAll();
  }

  private static String fullName(Descriptors.MethodDescriptor method) {
    return MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName());
  }

  /** Calls {@code method} as {@code caller} with a request naming {@code org} (and project proj, domain development). */
  private static Status.Code grpcStatus(LocalStackExtension.Tenant caller, Descriptors.MethodDescriptor method, String org) {
    DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
    Descriptors.FieldDescriptor orgField = method.getInputType().findFieldByName("org");
    if (orgField != null) {
      request.setField(orgField, org);
    }
    Descriptors.FieldDescriptor scopeField = method.getInputType().findFieldByName("scope");
    if (scopeField != null) {
      Descriptors.Descriptor scope = scopeField.getMessageType();
      request.setField(scopeField, DynamicMessage.newBuilder(scope).setField(scope.findFieldByName("org"), org)
          .setField(scope.findFieldByName("project"), "proj").setField(scope.findFieldByName("domain"), "development").build());
    }
    MethodDescriptor<DynamicMessage, DynamicMessage> descriptor = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(fullName(method))
        .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
        .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType()))).build();
    ManagedChannel channel = LocalStackExtension.grpc(caller);
    try {
      ClientCalls.blockingUnaryCall(channel, descriptor, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request.build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } finally {
      channel.shutdownNow();
    }
  }
}
