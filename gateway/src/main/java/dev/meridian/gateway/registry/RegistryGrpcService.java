package dev.meridian.gateway.registry;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.gateway.project.Scope;
import dev.meridian.proto.api.v1.GetEntityRequest;
import dev.meridian.proto.api.v1.RegisterRequest;
import dev.meridian.proto.api.v1.RegisterResponse;
import dev.meridian.proto.api.v1.RegistryServiceGrpc;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/** {@code meridian.api.v1.RegistryService}: the registry of the REST API over gRPC, same bodies as Structs. */
@Service
class RegistryGrpcService extends RegistryServiceGrpc.RegistryServiceImplBase {

  private final Registry registry;

  RegistryGrpcService(Registry registry) {
    this.registry = registry;
  }

  @Override
  public void registerTask(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    registered(registry.register(Scope.of(request.getScope()), RegistryStore.Kind.task, Structs.toJson(request.getSpec())), response);
  }

  @Override
  public void registerWorkflow(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    registered(registry.register(Scope.of(request.getScope()), RegistryStore.Kind.workflow, Structs.toJson(request.getSpec())), response);
  }

  @Override
  public void registerLaunchPlan(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    registered(registry.register(Scope.of(request.getScope()), RegistryStore.Kind.launch_plan, Structs.toJson(request.getSpec())), response);
  }

  @Override
  public void getTask(GetEntityRequest request, StreamObserver<Struct> response) {
    get(RegistryStore.Kind.task, request, response);
  }

  @Override
  public void getWorkflow(GetEntityRequest request, StreamObserver<Struct> response) {
    get(RegistryStore.Kind.workflow, request, response);
  }

  @Override
  public void getLaunchPlan(GetEntityRequest request, StreamObserver<Struct> response) {
    get(RegistryStore.Kind.launch_plan, request, response);
  }

  private void get(RegistryStore.Kind kind, GetEntityRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(registry.get(Scope.of(request.getScope()), kind, request.getName(), request.getVersion()), Structs::toStruct, response);
  }

  private static void registered(Outcome<JsonNode> outcome, StreamObserver<RegisterResponse> response) {
    boolean created = outcome instanceof Outcome.Done<JsonNode> done && done.created();
    GrpcErrors.respond(outcome, entity -> RegisterResponse.newBuilder().setCreated(created).setEntity(Structs.toStruct(entity)).build(),
        response);
  }
}
