package dev.meridian.gateway.registry;

import com.google.protobuf.Duration;
import dev.meridian.gateway.api.Json;
import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.SecretMessages;
import dev.meridian.proto.router.v1.Binding;
import dev.meridian.proto.router.v1.ExecutionPlan;
import dev.meridian.proto.router.v1.NodeOutput;
import dev.meridian.proto.router.v1.PlanMap;
import dev.meridian.proto.router.v1.PlanNode;
import dev.meridian.proto.router.v1.PlanTask;
import java.util.Map;

/** A compiled workflow in the router's contract: every node with its task inlined, every binding resolved. */
final class ExecutionPlans {

  private ExecutionPlans() {}

  static ExecutionPlan of(WorkflowCompiler.Compiled workflow) {
    ExecutionPlan.Builder plan = ExecutionPlan.newBuilder()
        .setWorkflowName(workflow.name())
        .setWorkflowVersion(workflow.version())
        .setMaxParallelism(workflow.maxParallelism());
    for (WorkflowCompiler.CompiledNode node : workflow.nodes()) {
      TaskDefinition task = node.task();
      plan.addNodes(PlanNode.newBuilder()
          .setId(node.id())
          .setTask(PlanTask.newBuilder()
              .setName(task.name())
              .setVersion(task.version())
              .setImage(task.image())
              .addAllCommand(task.command())
              .addAllArgs(task.args())
              .putAllEnv(task.env())
              .setInterfaceJson(Json.text(task.interfaceJson()))
              .setRetries(task.retries())
              .setTimeout(Duration.newBuilder().setSeconds(task.timeout().toSeconds()))
              .setResources(ResourceMessages.toMessage(task.resources()))
              .addAllSecrets(task.secrets().stream().map(SecretMessages::toMessage).toList()))
          .putAllInputs(bindings(node.inputs())));
      if (node.map() != null) {
        plan.getNodesBuilder(plan.getNodesCount() - 1).setMap(PlanMap.newBuilder()
            .setInput(node.map().input())
            .setConcurrency(node.map().concurrency())
            .setMinSuccessRatio(node.map().minSuccessRatio()));
      }
    }
    plan.putAllOutputs(bindings(workflow.outputs()));
    return plan.build();
  }

  private static Map<String, Binding> bindings(Map<String, dev.meridian.workflow.Binding> bindings) {
    var converted = new java.util.LinkedHashMap<String, Binding>();
    bindings.forEach((name, binding) -> converted.put(name, switch (binding) {
      case dev.meridian.workflow.Binding.FromInput input -> Binding.newBuilder().setFromInput(input.input()).build();
      case dev.meridian.workflow.Binding.FromNode node ->
          Binding.newBuilder().setFromNode(NodeOutput.newBuilder().setNode(node.node()).setOutput(node.output())).build();
      case dev.meridian.workflow.Binding.Literal literal -> Binding.newBuilder().setValueJson(literal.json()).build();
    }));
    return converted;
  }
}
