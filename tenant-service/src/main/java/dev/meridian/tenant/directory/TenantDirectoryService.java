package dev.meridian.tenant.directory;

import com.google.protobuf.Timestamp;
import dev.meridian.proto.tenant.v1.CreateOrgRequest;
import dev.meridian.proto.tenant.v1.CreateProjectRequest;
import dev.meridian.proto.tenant.v1.GetOrgRequest;
import dev.meridian.proto.tenant.v1.GetProjectRequest;
import dev.meridian.proto.tenant.v1.ListProjectsRequest;
import dev.meridian.proto.tenant.v1.ListProjectsResponse;
import dev.meridian.proto.tenant.v1.Org;
import dev.meridian.proto.tenant.v1.Project;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** Orgs and projects over the internal gRPC contract. Every project lives in an org and has the three domains. */
@Service
class TenantDirectoryService extends TenantDirectoryGrpc.TenantDirectoryImplBase {

  static final List<String> DOMAINS = List.of("development", "staging", "production");
  private static final Logger log = LoggerFactory.getLogger(TenantDirectoryService.class);

  private final DirectoryStore store;

  TenantDirectoryService(DirectoryStore store) {
    this.store = store;
  }

  @Override
  public void createOrg(CreateOrgRequest request, StreamObserver<Org> response) {
    Optional<String> problem = Slug.problem("slug", request.getSlug())
        .or(() -> request.getName().isBlank() ? Optional.of("name is required") : Optional.empty())
        .or(() -> EmailAddress.isValid(request.getOwnerEmail()) ? Optional.empty()
            : Optional.of("ownerEmail '" + request.getOwnerEmail() + "' is not an e-mail address"));
    if (problem.isPresent()) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(problem.get()).asRuntimeException());
      return;
    }
    if (!store.insertOrg(request.getSlug(), request.getName(), request.getOwnerEmail())) {
      response.onError(Status.ALREADY_EXISTS.withDescription("org '" + request.getSlug() + "' already exists").asRuntimeException());
      return;
    }
    log.info("created org {}", request.getSlug());
    reply(response, toProto(store.findOrg(request.getSlug()).orElseThrow()));
  }

  @Override
  public void getOrg(GetOrgRequest request, StreamObserver<Org> response) {
    store.findOrg(request.getSlug()).ifPresentOrElse(
        org -> reply(response, toProto(org)),
        () -> response.onError(notFound("org '" + request.getSlug() + "'")));
  }

  @Override
  public void createProject(CreateProjectRequest request, StreamObserver<Project> response) {
    if (store.findOrg(request.getOrg()).isEmpty()) {
      response.onError(notFound("org '" + request.getOrg() + "'"));
      return;
    }
    Optional<String> problem = Slug.problem("id", request.getId());
    if (problem.isPresent()) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(problem.get()).asRuntimeException());
      return;
    }
    String name = request.getName().isBlank() ? request.getId() : request.getName();
    if (!store.insertProject(request.getOrg(), request.getId(), name, request.getDescription())) {
      response.onError(Status.ALREADY_EXISTS.withDescription("project '" + request.getId() + "' already exists").asRuntimeException());
      return;
    }
    reply(response, toProto(store.findProject(request.getOrg(), request.getId()).orElseThrow()));
  }

  @Override
  public void getProject(GetProjectRequest request, StreamObserver<Project> response) {
    store.findProject(request.getOrg(), request.getId()).ifPresentOrElse(
        project -> reply(response, toProto(project)),
        () -> response.onError(notFound("project '" + request.getId() + "'")));
  }

  @Override
  public void listProjects(ListProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
    var items = store.listProjects(request.getOrg()).stream().map(TenantDirectoryService::toProto).toList();
    reply(response, ListProjectsResponse.newBuilder().addAllItems(items).build());
  }

  private static <T> void reply(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }

  private static RuntimeException notFound(String what) {
    return Status.NOT_FOUND.withDescription(what + " not found").asRuntimeException();
  }

  private static Org toProto(DirectoryStore.OrgRow org) {
    return Org.newBuilder().setSlug(org.slug()).setName(org.name()).setOwnerEmail(org.ownerEmail())
        .setCreatedAt(timestamp(org.createdAt())).build();
  }

  private static Project toProto(DirectoryStore.ProjectRow project) {
    return Project.newBuilder().setOrg(project.org()).setId(project.id()).setName(project.name())
        .setDescription(project.description()).addAllDomains(DOMAINS).setCreatedAt(timestamp(project.createdAt())).build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
