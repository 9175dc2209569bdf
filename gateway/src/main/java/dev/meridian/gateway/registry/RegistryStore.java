package dev.meridian.gateway.registry;

import dev.meridian.gateway.project.Scope;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class RegistryStore {

  /** What the registry holds; {@code path} is the collection's name in the REST API. */
  enum Kind {
    task("tasks"), workflow("workflows"), launch_plan("launch-plans");

    final String path;

    Kind(String path) {
      this.path = path;
    }

    static java.util.Optional<Kind> ofPath(String path) {
      return java.util.Arrays.stream(values()).filter(kind -> kind.path.equals(path)).findFirst();
    }
  }

  record Entity(Kind kind, String name, String version, String spec, String digest, String edges, boolean active, Instant createdAt) {}

  private static final String COLUMNS = "kind, name, version, spec, digest, edges, active, created_at";

  private final JdbcClient jdbc;

  RegistryStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts unless the name and version exist; returns what is stored either way, and whether it was new. */
  record Registered(Entity entity, boolean created) {}

  /**
   * {@code compiled} is the execution plan and interface of a workflow or launch plan, null for a
   * task.
   */
  Registered register(Scope scope, Kind kind, String name, String version, String spec, String digest, String edges,
      CompiledPlan compiled) {
    int inserted = jdbc.sql("""
        insert into registry_entities (org_id, project, domain, kind, name, version, spec, digest, edges, plan, interface_json)
        values (:org, :project, :domain, :kind, :name, :version, :spec, :digest, :edges, :plan, :interface)
        on conflict do nothing
        """).param("org", scope.org()).param("project", scope.project()).param("domain", scope.domain())
        .param("kind", kind.name()).param("name", name).param("version", version).param("spec", spec)
        .param("digest", digest).param("edges", edges)
        .param("plan", compiled == null ? null : compiled.plan().toByteArray())
        .param("interface", compiled == null ? null : compiled.interfaceJson()).update();
    return new Registered(find(scope, kind, name, version).orElseThrow(), inserted == 1);
  }

  /** What a launch reads: the spec and, unless the row predates compiled plans, the compiled form. */
  record StoredLaunchable(String spec, CompiledPlan compiled) {}

  Optional<StoredLaunchable> findLaunchable(Scope scope, Kind kind, String name, String version) {
    return jdbc.sql("""
        select spec, plan, interface_json from registry_entities
        where org_id = :org and project = :project and domain = :domain and kind = :kind and name = :name and version = :version
        """).param("org", scope.org()).param("project", scope.project()).param("domain", scope.domain())
        .param("kind", kind.name()).param("name", name).param("version", version)
        .query((rs, row) -> new StoredLaunchable(rs.getString("spec"), rs.getBytes("plan") == null ? null
            : CompiledPlan.parse(rs.getBytes("plan"), rs.getString("interface_json")))).optional();
  }

  /** Writes the compiled form of a row registered before compiled plans were stored; a no-op if another launch did. */
  void backfill(Scope scope, Kind kind, String name, String version, CompiledPlan compiled) {
    jdbc.sql("""
        update registry_entities set plan = :plan, interface_json = :interface
         where org_id = :org and project = :project and domain = :domain and kind = :kind
           and name = :name and version = :version and plan is null
        """).param("plan", compiled.plan().toByteArray()).param("interface", compiled.interfaceJson())
        .param("org", scope.org()).param("project", scope.project()).param("domain", scope.domain())
        .param("kind", kind.name()).param("name", name).param("version", version).update();
  }

  Optional<Entity> find(Scope scope, Kind kind, String name, String version) {
    return jdbc.sql("select " + COLUMNS + """
         from registry_entities
        where org_id = :org and project = :project and domain = :domain and kind = :kind and name = :name and version = :version
        """).param("org", scope.org()).param("project", scope.project()).param("domain", scope.domain())
        .param("kind", kind.name()).param("name", name).param("version", version).query(RegistryStore::entity).optional();
  }

  List<Entity> list(Scope scope, Kind kind, String name, int limit) {
    return jdbc.sql("select " + COLUMNS + """
         from registry_entities
        where org_id = :org and project = :project and domain = :domain and kind = :kind
          and (cast(:name as text) is null or name = :name)
        order by name, created_at desc
        limit :limit
        """).param("org", scope.org()).param("project", scope.project()).param("domain", scope.domain())
        .param("kind", kind.name()).param("name", name).param("limit", limit).query(RegistryStore::entity).list();
  }

  boolean setActive(Scope scope, String name, String version, boolean active) {
    return jdbc.sql("""
        update registry_entities set active = :active
         where org_id = :org and project = :project and domain = :domain and kind = 'launch_plan'
           and name = :name and version = :version
        """).param("active", active).param("org", scope.org()).param("project", scope.project())
        .param("domain", scope.domain()).param("name", name).param("version", version).update() == 1;
  }

  private static Entity entity(ResultSet rs, int row) throws SQLException {
    return new Entity(Kind.valueOf(rs.getString("kind")), rs.getString("name"), rs.getString("version"), rs.getString("spec"),
        rs.getString("digest"), rs.getString("edges"), rs.getBoolean("active"), rs.getTimestamp("created_at").toInstant());
  }
}
