package dev.meridian.gateway.registry;

import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Json;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.gateway.project.Scope;
import dev.meridian.workflow.Limits;
import dev.meridian.workflow.TypedInterface;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The registry of tasks, workflows and launch plans. Every entity is immutable once registered:
 * the same name and version with the same body is accepted again (idempotent), with a different
 * body it is a conflict.
 */
@Service
public class Registry {

  private final RegistryStore store;
  private final Projects projects;
  private final Launchables launchables;

  Registry(RegistryStore store, Projects projects, Launchables launchables) {
    this.store = store;
    this.projects = projects;
    this.launchables = launchables;
  }

  /**
   * A workflow ready to launch: compiled, with every task, plus the launch plan that chose it (if
   * any) and the priority it gives its executions (0 without one).
   */
  public record Launchable(TypedInterface workflowInterface, dev.meridian.proto.router.v1.ExecutionPlan plan,
      JsonNode defaultInputs, JsonNode fixedInputs, String launchPlanName, String launchPlanVersion, int priority) {}

  public Outcome<JsonNode> register(Scope scope, RegistryStore.Kind kind, JsonNode body) {
    return switch (kind) {
      case task -> registerTask(scope, body);
      case workflow -> registerWorkflow(scope, body);
      case launch_plan -> registerLaunchPlan(scope, body);
    };
  }

  Outcome<JsonNode> registerTask(Scope scope, JsonNode body) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    TaskDefinition task = TaskDefinition.parse(body, violations);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the task is invalid", violations));
    }
    return register(scope, RegistryStore.Kind.task, task.name(), task.version(), body, null, null);
  }

  Outcome<JsonNode> registerWorkflow(Scope scope, JsonNode body) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Optional<WorkflowCompiler.Compiled> compiled = WorkflowCompiler.compile(body,
        (name, version) -> launchables.task(scope, name, version), violations);
    if (compiled.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the workflow does not compile", violations));
    }
    ArrayNode edges = Json.MAPPER.createArrayNode();
    compiled.get().edges().forEach(edge -> edges.addObject().put("from", edge.from()).put("to", edge.to()));
    return register(scope, RegistryStore.Kind.workflow, compiled.get().name(), compiled.get().version(), body, Json.text(edges),
        CompiledPlan.of(compiled.get(), body));
  }

  Outcome<JsonNode> registerLaunchPlan(Scope scope, JsonNode body) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Fields plan = new Fields(body, "", violations);
    plan.onlyKnown(Set.of("name", "version", "workflow", "defaultInputs", "fixedInputs", "schedule", "labels", "overrides"));
    String name = plan.name("name");
    String version = plan.name("version");
    Fields workflowRef = plan.object("workflow", true);
    Optional<CompiledPlan> workflow = Optional.empty();
    if (workflowRef != null) {
      String workflowName = workflowRef.string("name", true);
      String workflowVersion = workflowRef.string("version", true);
      if (workflowName != null && workflowVersion != null) {
        workflow = launchables.workflow(scope, workflowName, workflowVersion);
        if (workflow.isEmpty()) {
          violations.add(new Violation("/workflow", "workflow " + workflowName + " version " + workflowVersion
              + " is not registered in this project and domain"));
        } else {
          checkPartialInputs(workflow.get().typedInterface(), plan.get("defaultInputs"), "/defaultInputs", violations);
          checkPartialInputs(workflow.get().typedInterface(), plan.get("fixedInputs"), "/fixedInputs", violations);
        }
      }
    }
    Fields overrides = plan.object("overrides", false);
    if (overrides != null) {
      overrides.onlyKnown(Set.of("clusterLabels", "maxParallelism", "priority"));
      overrides.stringMap("clusterLabels");
      overrides.integer("maxParallelism", 0, 1, Limits.MAX_CONCURRENT_NODES);
      overrides.integer("priority", 0, -1000, 1000);
    }
    if (plan.get("schedule") != null) {
      violations.add(new Violation("/schedule", "schedules are not supported yet"));
    }
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the launch plan is invalid", violations));
    }
    return register(scope, RegistryStore.Kind.launch_plan, name, version, body, null,
        workflow.orElseThrow().withOverrides(body.path("overrides")));
  }

  /** Default and fixed inputs may name a subset of the workflow's inputs; each must be well typed. */
  private static void checkPartialInputs(TypedInterface workflow, JsonNode values, String pointer, List<Violation> violations) {
    if (values == null || values.isNull()) {
      return;
    }
    if (!values.isObject()) {
      violations.add(new Violation(pointer, "must be an object of input name to value"));
      return;
    }
    for (var entry : values.properties()) {
      var type = workflow.inputs().get(entry.getKey());
      if (type == null) {
        violations.add(new Violation(pointer + "/" + entry.getKey(), "the workflow has no input '" + entry.getKey() + "'"));
      } else {
        dev.meridian.workflow.ValueChecker.check(type, entry.getValue(), pointer + "/" + entry.getKey(), violations);
      }
    }
  }

  public Outcome<Boolean> setLaunchPlanActive(Scope scope, String name, String version, boolean active) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return store.setActive(scope, name, version, active) ? Outcome.existing(active)
        : Outcome.refused(new Refusal.NotFound("launch plan " + name + " version " + version + " not found"));
  }

  public Outcome<JsonNode> get(Scope scope, RegistryStore.Kind kind, String name, String version) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return store.find(scope, kind, name, version).map(entity -> Outcome.existing(view(entity)))
        .orElseGet(() -> Outcome.refused(new Refusal.NotFound(kind.name().replace('_', ' ') + " " + name + " version " + version + " not found")));
  }

  public Outcome<List<JsonNode>> list(Scope scope, RegistryStore.Kind kind, String name, int limit) {
    Optional<Refusal> missing = projects.check(scope);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Outcome.existing(store.list(scope, kind, name, limit).stream().map(Registry::view).toList());
  }

  /** The workflow to run for a launch, by launch plan or directly; refusals are located at {@code pointer}. */
  public Outcome<Launchable> launchable(Scope scope, String kind, String name, String version, String pointer) {
    boolean byLaunchPlan = kind.equals("launchPlan");
    return launchables.find(scope, byLaunchPlan ? RegistryStore.Kind.launch_plan : RegistryStore.Kind.workflow, name, version)
        .map(Outcome::existing)
        .orElseGet(() -> Outcome.refused(new Refusal.Invalid(byLaunchPlan ? "unknown launch plan" : "unknown workflow",
            List.of(new Violation(pointer, (byLaunchPlan ? "launch plan " : "workflow ") + name + " version " + version
                + " is not registered in this project and domain")))));
  }

  private Outcome<JsonNode> register(Scope scope, RegistryStore.Kind kind, String name, String version, JsonNode body, String edges,
      CompiledPlan compiled) {
    String digest = Json.digest(body);
    RegistryStore.Registered registered = store.register(scope, kind, name, version, Json.text(body), digest, edges, compiled);
    if (!registered.entity().digest().equals(digest)) {
      return Outcome.refused(new Refusal.Conflict(kind.name().replace('_', ' ') + " " + name + " version " + version
          + " is already registered with a different body; registered entities are immutable, register a new version"));
    }
    JsonNode view = view(registered.entity());
    return registered.created() ? Outcome.created(view) : Outcome.existing(view);
  }

  private static JsonNode view(RegistryStore.Entity entity) {
    ObjectNode view = (ObjectNode) Json.read(entity.spec());
    view.put("createdAt", entity.createdAt().toString());
    if (entity.edges() != null) {
      view.set("edges", Json.read(entity.edges()));
    }
    if (entity.kind() == RegistryStore.Kind.launch_plan) {
      view.put("active", entity.active());
    }
    return view;
  }
}
