package dev.meridian.devstack;

import dev.meridian.testkit.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The local stack's {@code sim-gpu} cluster of org {@code demo}: a simulated agent with 8 × nvidia-h100,
 * so GPU workflows can be tried without GPUs. Its token is shown once at registration, so it is kept
 * in {@code .meridian/sim-gpu.token}; if that file is gone the cluster is registered anew.
 */
final class SimGpuCluster {

  static final String NAME = "sim-gpu";

  private SimGpuCluster() {}

  static void start(LocalStack stack, MeridianClient api) {
    Path tokenFile = stack.options().home().resolve("sim-gpu.token");
    try {
      if (!Files.exists(tokenFile)) {
        for (var cluster : api.get("/api/v1/orgs/demo/clusters").body().get("items")) {
          if (cluster.get("name").asString().equals(NAME)) {
            api.delete("/api/v1/orgs/demo/clusters/" + cluster.get("id").asString() + "?force=true");
          }
        }
        var registered = api.post("/api/v1/orgs/demo/clusters",
            Map.of("name", NAME, "region", "local", "labels", Map.of("kind", "simulated")));
        if (registered.status() != 201) {
          throw new IllegalStateException("could not register cluster sim-gpu: " + registered.status() + " " + registered.body());
        }
        Secrets.write(tokenFile, registered.body().get("token").asString());
      }
      stack.startAgent("agent-sim-gpu", Files.readString(tokenFile).trim(),
          LocalStack.AgentOptions.simulated(Map.of("nvidia-h100", 8), Duration.ofSeconds(5)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
