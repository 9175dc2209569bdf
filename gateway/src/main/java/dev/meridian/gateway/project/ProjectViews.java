package dev.meridian.gateway.project;

import dev.meridian.proto.tenant.v1.Org;
import dev.meridian.proto.tenant.v1.Project;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Orgs and projects as API.md shows them, on REST and gRPC alike. */
final class ProjectViews {

  private ProjectViews() {}

  static Map<String, Object> org(Org org) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("slug", org.getSlug());
    json.put("name", org.getName());
    json.put("ownerEmail", org.getOwnerEmail());
    json.put("createdAt", Instant.ofEpochSecond(org.getCreatedAt().getSeconds(), org.getCreatedAt().getNanos()).toString());
    return json;
  }

  static Map<String, Object> project(Project project) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", project.getId());
    json.put("name", project.getName());
    json.put("description", project.getDescription());
    json.put("domains", project.getDomainsList());
    json.put("createdAt", Instant.ofEpochSecond(project.getCreatedAt().getSeconds(), project.getCreatedAt().getNanos()).toString());
    return json;
  }

  static Map<String, Object> projects(java.util.List<Project> projects) {
    return Map.of("items", projects.stream().map(ProjectViews::project).toList());
  }
}
