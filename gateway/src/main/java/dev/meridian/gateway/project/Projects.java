package dev.meridian.gateway.project;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.proto.tenant.v1.CreateOrgRequest;
import dev.meridian.proto.tenant.v1.CreateProjectRequest;
import dev.meridian.proto.tenant.v1.GetOrgRequest;
import dev.meridian.proto.tenant.v1.GetProjectRequest;
import dev.meridian.proto.tenant.v1.ListProjectsRequest;
import dev.meridian.proto.tenant.v1.Org;
import dev.meridian.proto.tenant.v1.Project;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc.TenantDirectoryBlockingStub;
import io.grpc.StatusRuntimeException;
import dev.meridian.gateway.api.Fields;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** Orgs and projects live in tenant-service; this is the gateway's door to them. */
@Component
public class Projects {

  private final TenantDirectoryBlockingStub directory;

  Projects(TenantDirectoryBlockingStub directory) {
    this.directory = directory;
  }

  /** Deadlines are absolute in gRPC, so each call gets a fresh one. */
  private TenantDirectoryBlockingStub directory() {
    return directory.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Empty when the scope exists; a refusal (404 for an unknown org, project or domain) otherwise. */
  public Optional<Refusal> check(Scope scope) {
    if (!Scope.DOMAINS.contains(scope.domain())) {
      return Optional.of(new Refusal.NotFound("domain '" + scope.domain() + "' not found; domains are " + Scope.DOMAINS));
    }
    try {
      directory().getProject(GetProjectRequest.newBuilder().setOrg(scope.org()).setId(scope.project()).build());
      return Optional.empty();
    } catch (StatusRuntimeException e) {
      if (Downstream.isNotFound(e)) {
        return Optional.of(new Refusal.NotFound("project '" + scope.project() + "' not found"));
      }
      return Optional.of(Downstream.refusal("tenant-service", e).orElseThrow(() -> e));
    }
  }

  /** {@code POST /api/v1/orgs}: {@code {slug, name, ownerEmail}}. */
  Outcome<Org> createOrg(JsonNode body) {
    List<Violation> violations = new ArrayList<>();
    Fields org = new Fields(body, "", violations);
    org.onlyKnown(Set.of("slug", "name", "ownerEmail"));
    String slug = org.string("slug", true);
    String name = org.string("name", true);
    String ownerEmail = org.string("ownerEmail", true);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the org is invalid", violations));
    }
    Outcome<Org> outcome = Downstream.call("tenant-service", () -> directory().createOrg(
        CreateOrgRequest.newBuilder().setSlug(slug).setName(name).setOwnerEmail(ownerEmail).build()));
    return outcome instanceof Outcome.Done<Org> done ? Outcome.created(done.value()) : outcome;
  }

  /** Empty when the org exists; 404 otherwise. */
  public Optional<Refusal> checkOrg(String org) {
    return getOrg(org) instanceof Outcome.Refused<Org> refused ? Optional.of(refused.refusal()) : Optional.empty();
  }

  Outcome<Org> getOrg(String slug) {
    return Downstream.call("tenant-service", () -> directory().getOrg(GetOrgRequest.newBuilder().setSlug(slug).build()));
  }

  /** {@code POST /api/v1/orgs/{org}/projects}: {@code {id, name, description}}. */
  Outcome<Project> createProject(String org, JsonNode body) {
    List<Violation> violations = new ArrayList<>();
    Fields project = new Fields(body, "", violations);
    project.onlyKnown(Set.of("id", "name", "description"));
    String id = project.string("id", true);
    String name = project.string("name", false);
    String description = project.string("description", false);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the project is invalid", violations));
    }
    if (getOrg(org) instanceof Outcome.Refused<Org> refused) {
      return Outcome.refused(refused.refusal());
    }
    Outcome<Project> outcome = Downstream.call("tenant-service", () -> directory().createProject(CreateProjectRequest.newBuilder()
        .setOrg(org).setId(id).setName(name == null ? "" : name).setDescription(description == null ? "" : description).build()));
    return outcome instanceof Outcome.Done<Project> done ? Outcome.created(done.value()) : outcome;
  }

  Outcome<List<Project>> listProjects(String org) {
    Outcome<Org> exists = getOrg(org);
    if (exists instanceof Outcome.Refused<Org> refused) {
      return Outcome.refused(refused.refusal());
    }
    return Downstream.call("tenant-service", () -> directory().listProjects(ListProjectsRequest.newBuilder().setOrg(org).build()).getItemsList());
  }
}
