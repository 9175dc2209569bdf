package dev.meridian.gateway.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.meridian.gateway.api.Json;
import dev.meridian.gateway.project.Scope;
import dev.meridian.gateway.registry.Registry.Launchable;
import java.util.ArrayList;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Workflows and launch plans ready to launch. Each was compiled when it was registered, so a launch
 * reads its one row and compiles nothing; a row registered before compiled plans were stored is
 * compiled at its first launch and written back.
 */
@Component
class Launchables {

  private final RegistryStore store;
  /**
   * Launchables by what names them. Registered entities never change and are never deleted, so an
   * entry cannot go stale, on this gateway or any other. Only what was found is kept; an unknown
   * name may be registered later.
   */
  private final Cache<Key, Launchable> known = Caffeine.newBuilder().maximumSize(10_000).build();

  private record Key(Scope scope, RegistryStore.Kind kind, String name, String version) {}

  Launchables(RegistryStore store) {
    this.store = store;
  }

  /** Empty when no workflow or launch plan of that name and version is registered in the scope. */
  Optional<Launchable> find(Scope scope, RegistryStore.Kind kind, String name, String version) {
    Key key = new Key(scope, kind, name, version);
    Launchable cached = known.getIfPresent(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<Launchable> found = store.findLaunchable(scope, kind, name, version)
        .map(stored -> launchable(kind, name, version, stored.spec(), compiled(scope, kind, name, version, stored)));
    found.ifPresent(launchable -> known.put(key, launchable));
    return found;
  }

  /** A registered workflow's compiled form, which a launch plan being registered builds on. */
  Optional<CompiledPlan> workflow(Scope scope, String name, String version) {
    return store.findLaunchable(scope, RegistryStore.Kind.workflow, name, version)
        .map(stored -> compiled(scope, RegistryStore.Kind.workflow, name, version, stored));
  }

  Optional<TaskDefinition> task(Scope scope, String name, String version) {
    return store.find(scope, RegistryStore.Kind.task, name, version)
        .map(entity -> TaskDefinition.parse(Json.read(entity.spec()), new ArrayList<>()));
  }

  private CompiledPlan compiled(Scope scope, RegistryStore.Kind kind, String name, String version,
      RegistryStore.StoredLaunchable stored) {
    if (stored.compiled() != null) {
      return stored.compiled();
    }
    // Registered entities were valid when registered and what they refer to never changes, so
    // compiling them again cannot fail.
    JsonNode spec = Json.read(stored.spec());
    CompiledPlan compiled = switch (kind) {
      case workflow -> CompiledPlan.of(
          WorkflowCompiler.compile(spec, (task, taskVersion) -> task(scope, task, taskVersion), new ArrayList<>()).orElseThrow(), spec);
      case launch_plan -> workflow(scope, spec.get("workflow").get("name").asString(), spec.get("workflow").get("version").asString())
          .orElseThrow().withOverrides(spec.path("overrides"));
      case task -> throw new IllegalArgumentException("a task is launched only as part of a workflow");
    };
    store.backfill(scope, kind, name, version, compiled);
    return compiled;
  }

  private static Launchable launchable(RegistryStore.Kind kind, String name, String version, String specText, CompiledPlan compiled) {
    if (kind != RegistryStore.Kind.launch_plan) {
      return new Launchable(compiled.typedInterface(), compiled.plan(), null, null, null, null, 0);
    }
    JsonNode spec = Json.read(specText);
    return new Launchable(compiled.typedInterface(), compiled.plan(), spec.get("defaultInputs"), spec.get("fixedInputs"),
        name, version, spec.path("overrides").path("priority").asInt(0));
  }
}
