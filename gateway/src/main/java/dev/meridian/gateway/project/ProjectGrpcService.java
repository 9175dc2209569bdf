package dev.meridian.gateway.project;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.proto.api.v1.CreateProjectRequest;
import dev.meridian.proto.api.v1.ListProjectsRequest;
import dev.meridian.proto.api.v1.ProjectServiceGrpc;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** {@code meridian.api.v1.ProjectService}: the project operations of the REST API over gRPC. */
@Service
class ProjectGrpcService extends ProjectServiceGrpc.ProjectServiceImplBase {

  private final Projects projects;

  ProjectGrpcService(Projects projects) {
    this.projects = projects;
  }

  @Override
  public void createProject(CreateProjectRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(projects.createProject(request.getOrg(), Structs.toJson(request.getProject())),
        project -> Structs.toStruct(ProjectViews.project(project)), response);
  }

  @Override
  public void listProjects(ListProjectsRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(projects.listProjects(request.getOrg()), items -> Structs.toStruct(ProjectViews.projects(items)), response);
  }
}
