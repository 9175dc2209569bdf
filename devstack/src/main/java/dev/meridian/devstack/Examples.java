package dev.meridian.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The quickstart example of docs/examples, registered by {@code ./meridian up} and used by the tests. */
public final class Examples {

  public static final List<String> TASKS = List.of("increment", "square", "cube", "add", "flaky", "train");

  private Examples() {}

  public static JsonNode load(String path) {
    try (InputStream in = Examples.class.getResourceAsStream("examples/quickstart/" + path)) {
      if (in == null) {
        throw new IllegalStateException("example " + path + " is missing from the devstack build");
      }
      return MeridianClient.JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Registers every task, every workflow and the launch plan in {@code scope}; repeating it is harmless. */
  public static void register(MeridianClient client, String scope) {
    for (String task : TASKS) {
      expect(client.post(scope + "/tasks", load("tasks/" + task + ".json")), "task " + task);
    }
    expect(client.post(scope + "/workflows", load("workflow.json")), "workflow quickstart.fanout");
    expect(client.post(scope + "/workflows", load("workflow-flaky.json")), "workflow quickstart.flaky");
    expect(client.post(scope + "/workflows", load("workflow-gpu.json")), "workflow quickstart.gpu");
    expect(client.post(scope + "/workflows", load("workflow-sweep.json")), "workflow quickstart.sweep");
    expect(client.post(scope + "/launch-plans", load("launch-plan.json")), "launch plan quickstart.fanout");
  }

  private static void expect(MeridianClient.Response response, String what) {
    if (response.status() != 200 && response.status() != 201) {
      throw new IllegalStateException("registering " + what + " failed: " + response.status() + " " + response.body());
    }
  }
}
