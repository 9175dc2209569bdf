package dev.meridian.gateway.registry;

import dev.meridian.gateway.api.Fields;
import dev.meridian.workflow.Durations;
import dev.meridian.workflow.ResourceRequest;
import dev.meridian.workflow.SecretMount;
import dev.meridian.workflow.TypedInterface;
import dev.meridian.workflow.Violation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** A registered task, as much of it as running it needs. Parsed from the body of API.md's {@code POST {scope}/tasks}. */
record TaskDefinition(String name, String version, TypedInterface typedInterface, JsonNode interfaceJson, String image,
    List<String> command, List<String> args, Map<String, String> env, int retries, Duration timeout, ResourceRequest resources,
    List<SecretMount> secrets) {

  private static final Set<String> FIELDS = Set.of("name", "version", "interface", "container", "resources", "retries",
      "timeout", "interruptible", "cache", "secrets");

  static TaskDefinition parse(JsonNode body, List<Violation> violations) {
    Fields task = new Fields(body, "", violations);
    task.onlyKnown(FIELDS);
    String name = task.name("name");
    String version = task.name("version");
    TypedInterface typed = TypedInterface.parse(task.get("interface"), "/interface", violations);
    Fields container = task.object("container", true);
    String image = null;
    List<String> command = List.of();
    List<String> args = List.of();
    Map<String, String> env = Map.of();
    if (container != null) {
      container.onlyKnown(Set.of("image", "command", "args", "env"));
      image = container.string("image", true);
      command = container.strings("command", true);
      args = container.strings("args", false);
      env = container.stringMap("env");
    }
    Fields resourceFields = task.object("resources", false);
    ResourceRequest resources = ResourceRequest.DEFAULT;
    if (resourceFields != null) {
      resourceFields.onlyKnown(Set.of("cpu", "memory", "gpu", "gpuType", "ephemeralStorage"));
      resources = ResourceRequest.parse(resourceFields.node(), "/resources", violations);
    }
    int retries = task.integer("retries", 0, 0, 10);
    Duration timeout = Duration.ZERO;
    String timeoutText = task.string("timeout", false);
    if (timeoutText != null) {
      timeout = Durations.parse(timeoutText).orElse(null);
      if (timeout == null) {
        violations.add(new Violation("/timeout", "timeout '" + timeoutText + "' must be a duration like \"90s\", \"5m\" or \"1h30m\""));
        timeout = Duration.ZERO;
      }
    }
    task.bool("interruptible", false);
    Fields cache = task.object("cache", false);
    if (cache != null) {
      cache.onlyKnown(Set.of("enabled", "version"));
      cache.bool("enabled", false);
      cache.string("version", false);
    }
    // Names and delivery only, checked here; whether each secret exists is checked at launch.
    List<SecretMount> secrets = SecretMount.parseAll(task.get("secrets"), "/secrets", violations);
    JsonNode interfaceJson = task.get("interface");
    return new TaskDefinition(name, version, typed,
        interfaceJson == null ? dev.meridian.gateway.api.Json.MAPPER.createObjectNode() : interfaceJson,
        image, command, args, env, retries, timeout, resources, secrets);
  }
}
