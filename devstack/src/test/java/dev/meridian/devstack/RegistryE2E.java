package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@ExtendWith(LocalStackExtension.class)
class RegistryE2E {

  private static ObjectNode workflow() {
    return (ObjectNode) Examples.load("workflow.json").deepCopy();
  }

  /** The error at {@code pointer} of a 422 problem+json answer. */
  static JsonNode errorAt(MeridianClient.Response response, String pointer) {
    assertThat(response.status()).as(response.body().toString()).isEqualTo(422);
    assertThat(response.header("Content-Type")).startsWith("application/problem+json");
    for (JsonNode error : response.body().get("errors")) {
      if (error.get("pointer").asString().equals(pointer)) {
        return error;
      }
    }
    throw new AssertionError("no error at " + pointer + " in " + response.body());
  }

  @Test
  void reRegisteringTheSameTaskIsAcceptedAndADifferentBodyIsAConflict(LocalStackExtension.Tenant tenant) {
    JsonNode task = Examples.load("tasks/square.json");

    var again = tenant.api().post(tenant.scope() + "/tasks", task);
    ObjectNode changed = (ObjectNode) task.deepCopy();
    changed.put("retries", 5);
    var conflict = tenant.api().post(tenant.scope() + "/tasks", changed);

    assertThat(again.status()).isEqualTo(200);
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.body().get("detail").asString()).contains("immutable");
    assertThat(tenant.api().get(tenant.scope() + "/tasks/quickstart.square/versions/1").body().get("retries").asInt()).isZero();
  }

  @Test
  void registeredWorkflowShowsItsCompiledEdges(LocalStackExtension.Tenant tenant) {
    var response = tenant.api().get(tenant.scope() + "/workflows/quickstart.fanout/versions/1");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().get("edges")).extracting(e -> e.get("from").asString() + "->" + e.get("to").asString())
        .containsExactlyInAnyOrder("prepare->square", "prepare->cube", "square->combine", "cube->combine");
  }

  @Test
  void rejectsUnknownTaskReference(LocalStackExtension.Tenant tenant) {
    ObjectNode workflow = workflow().put("version", "2");
    ((ObjectNode) workflow.get("nodes").get(1).get("task")).put("name", "no.such.task");

    var error = errorAt(tenant.api().post(tenant.scope() + "/workflows", workflow), "/nodes/1/task");

    assertThat(error.get("message").asString()).contains("no.such.task", "not registered");
  }

  @Test
  void rejectsTypeMismatchBetweenBindingAndInput(LocalStackExtension.Tenant tenant) {
    tenant.api().post(tenant.scope() + "/tasks", Tasks.shell("texty", List.of(), List.of(), "true", 0, null, Map.of()));
    ObjectNode workflow = workflow().put("version", "3");
    ((ObjectNode) workflow.get("interface").get("inputs")).putObject("label").put("type", "string");
    ((ObjectNode) workflow.get("nodes").get(0).get("inputs").get("x")).put("fromInput", "label");

    var error = errorAt(tenant.api().post(tenant.scope() + "/workflows", workflow), "/nodes/0/inputs/x/fromInput");

    assertThat(error.get("message").asString()).contains("type mismatch", "string", "integer");
  }

  @Test
  void rejectsUnboundTaskInput(LocalStackExtension.Tenant tenant) {
    ObjectNode workflow = workflow().put("version", "4");
    ((ObjectNode) workflow.get("nodes").get(3).get("inputs")).remove("b");

    var error = errorAt(tenant.api().post(tenant.scope() + "/workflows", workflow), "/nodes/3/inputs/b");

    assertThat(error.get("message").asString()).contains("input 'b'", "is not bound");
  }

  @Test
  void rejectsCycles(LocalStackExtension.Tenant tenant) {
    ObjectNode workflow = workflow().put("version", "5");
    ((ObjectNode) workflow.get("nodes").get(0).get("inputs")).putObject("x").put("fromNode", "combine").put("output", "sum");

    var response = tenant.api().post(tenant.scope() + "/workflows", workflow);

    var error = errorAt(response, "/nodes/0");
    assertThat(error.get("message").asString()).contains("cycle", "prepare", "combine");
  }

  @Test
  void rejectsUnknownFieldsAndMalformedJson(LocalStackExtension.Tenant tenant) {
    ObjectNode task = (ObjectNode) Examples.load("tasks/square.json").deepCopy();
    task.put("version", "9").put("retry", 3);

    var unknown = errorAt(tenant.api().post(tenant.scope() + "/tasks", task), "/retry");
    var malformed = tenant.api().post(tenant.scope() + "/tasks", "{\"name\": ");

    assertThat(unknown.get("message").asString()).contains("unknown field 'retry'");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.body().get("detail").asString()).contains("not valid JSON");
  }

  @Test
  void rejectsInputsOfTheWrongTypeAtLaunch(LocalStackExtension.Tenant tenant) {
    var response = tenant.api().post(tenant.scope() + "/executions",
        Map.of("workflow", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", "four")));

    assertThat(errorAt(response, "/inputs/n").get("message").asString()).isEqualTo("expected integer but got string \"four\"");
    assertThat(tenant.api().get(tenant.scope() + "/executions").body().get("items")).isEmpty();
  }

  @Test
  void replayedIdempotencyKeyReturnsTheSameExecutionAndADifferentBodyIsRejected(LocalStackExtension.Tenant tenant) {
    var body = Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 1));
    var first = tenant.api().post(tenant.scope() + "/executions", body, "ci-run-42");

    var replay = tenant.api().post(tenant.scope() + "/executions", body, "ci-run-42");
    var different = tenant.api().post(tenant.scope() + "/executions",
        Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 7)), "ci-run-42");

    assertThat(first.status()).isEqualTo(201);
    assertThat(replay.status()).isIn(200, 201);
    assertThat(replay.body().get("id").asString()).isEqualTo(first.body().get("id").asString());
    assertThat(different.status()).isEqualTo(422);
    assertThat(different.body().get("detail").asString()).contains("ci-run-42");
    assertThat(tenant.api().get(tenant.scope() + "/executions").body().get("items")).hasSize(1);
  }

  @Test
  void anotherOrgsProjectsWorkflowsAndExecutionsAreNotFound(LocalStackExtension.Tenant tenant) {
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    var response = other.api().post(other.scope() + "/executions",
        Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));
    String theirExecution = response.body().get("id").asString();
    String theirScopeFromMyOrg = tenant.scope();

    // The same project id exists in both orgs: each sees only its own executions.
    assertThat(tenant.api().get(tenant.scope() + "/executions/" + theirExecution).status()).isEqualTo(404);
    assertThat(tenant.api().get(theirScopeFromMyOrg + "/executions").body().get("items")).isEmpty();
    assertThat(tenant.api().post(tenant.scope() + "/executions/" + theirExecution + "/terminate", Map.of()).status()).isEqualTo(404);
    assertThat(tenant.api().get("/api/v1/orgs/" + tenant.org() + "/projects/nope/domains/development/workflows/quickstart.fanout/versions/1").status())
        .isEqualTo(404);
    assertThat(tenant.api().get(tenant.scope().replace("development", "qa") + "/executions").status()).isEqualTo(404);
  }

  @Test
  void aLaunchPlanCanBeActivatedAndDeactivatedWithoutTouchingAnotherOrgs(LocalStackExtension.Tenant tenant) {
    String state = tenant.scope() + "/launch-plans/quickstart.fanout/versions/1/state";

    var activated = tenant.api().put(state, Map.of("active", true));
    var invalid = tenant.api().put(state, Map.of("active", "yes"));
    var unknown = tenant.api().put(tenant.scope() + "/launch-plans/nope/versions/1/state", Map.of("active", true));

    assertThat(activated.status()).isEqualTo(200);
    assertThat(tenant.api().get(tenant.scope() + "/launch-plans/quickstart.fanout/versions/1").body().get("active").asBoolean()).isTrue();
    assertThat(errorAt(invalid, "/active").get("message").asString()).contains("true or false");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(tenant.api().put(state, Map.of("active", false)).body().get("active").asBoolean()).isFalse();

    assertThat(tenant.api().put(tenant.scope().replace("/proj/", "/no-such-project/")
        + "/launch-plans/quickstart.fanout/versions/1/state", Map.of("active", true)).status()).isEqualTo(404);

    // Another org's launch plan of the same name is untouched by ours.
    LocalStackExtension.Tenant other = LocalStackExtension.newTenant();
    tenant.api().put(state, Map.of("active", true));
    assertThat(other.api().get(other.scope() + "/launch-plans/quickstart.fanout/versions/1").body().get("active").asBoolean()).isFalse();
  }

  @Test
  void aLaunchReadsOnlyTheCompiledRowAndARowRegisteredBeforePlansWereStoredIsCompiledAtItsFirstLaunch(
      LocalStackExtension.Tenant tenant) throws SQLException {
    var postgres = tenant.stack().infrastructure().postgres();
    try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", postgres.password())) {
      update(db, "update gateway.registry_entities set plan = null, interface_json = null where org_id = ? and kind = 'workflow'",
          tenant.org());

      var compiledAtLaunch = tenant.api().post(tenant.scope() + "/executions",
          Map.of("workflow", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 1)));
      assertThat(compiledAtLaunch.status()).as(compiledAtLaunch.body().toString()).isEqualTo(201);
      assertThat(update(db, "update gateway.registry_entities set spec = spec where org_id = ? and kind = 'workflow' and plan is not null",
          tenant.org())).as("the plan compiled at the first launch is written back").isEqualTo(1);

      // With the tasks' rows gone, a launch can only succeed from the launch plan's own row.
      update(db, "delete from gateway.registry_entities where org_id = ? and kind = 'task'", tenant.org());
      var fromOneRow = tenant.api().post(tenant.scope() + "/executions",
          Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1")));
      assertThat(fromOneRow.status()).as(fromOneRow.body().toString()).isEqualTo(201);
      assertThat(fromOneRow.body().get("inputs").get("n").asInt()).isEqualTo(2);
    }
  }

  private static int update(Connection db, String sql, String org) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      statement.setString(1, org);
      return statement.executeUpdate();
    }
  }
}
