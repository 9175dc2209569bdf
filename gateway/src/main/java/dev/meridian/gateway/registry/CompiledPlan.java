package dev.meridian.gateway.registry;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.gateway.api.Json;
import dev.meridian.proto.router.v1.ExecutionPlan;
import dev.meridian.workflow.TypedInterface;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A workflow or launch plan as a launch needs it, made once at registration: the execution plan
 * the router runs and the workflow's typed interface (kept as its JSON, which is small and parses
 * in microseconds).
 */
record CompiledPlan(ExecutionPlan plan, String interfaceJson) {

  static CompiledPlan of(WorkflowCompiler.Compiled workflow, JsonNode workflowSpec) {
    JsonNode typedInterface = workflowSpec.get("interface");
    return new CompiledPlan(ExecutionPlans.of(workflow), typedInterface == null ? "null" : Json.text(typedInterface));
  }

  static CompiledPlan parse(byte[] plan, String interfaceJson) {
    try {
      return new CompiledPlan(ExecutionPlan.parseFrom(plan), interfaceJson);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored execution plan does not parse; the registry row is corrupt", e);
    }
  }

  /** A launch plan's overrides (validated at its registration) applied to its workflow's plan. */
  CompiledPlan withOverrides(JsonNode overrides) {
    ExecutionPlan.Builder overridden = plan.toBuilder();
    Map<String, String> clusterLabels = new LinkedHashMap<>();
    overrides.path("clusterLabels").properties().forEach(label -> clusterLabels.put(label.getKey(), label.getValue().asString()));
    overridden.putAllClusterLabels(clusterLabels);
    // The launch plan's maxParallelism replaces the workflow's.
    int maxParallelism = overrides.path("maxParallelism").asInt(0);
    if (maxParallelism > 0) {
      overridden.setMaxParallelism(maxParallelism);
    }
    return new CompiledPlan(overridden.build(), interfaceJson);
  }

  TypedInterface typedInterface() {
    return TypedInterface.parse(Json.read(interfaceJson), "/interface", new ArrayList<>());
  }
}
