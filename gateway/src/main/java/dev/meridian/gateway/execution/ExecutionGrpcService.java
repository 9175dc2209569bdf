package dev.meridian.gateway.execution;

import com.google.protobuf.Struct;
import dev.meridian.gateway.api.Structs;
import dev.meridian.gateway.infra.GrpcErrors;
import dev.meridian.gateway.project.Scope;
import dev.meridian.proto.api.v1.CreateExecutionRequest;
import dev.meridian.proto.api.v1.ExecutionRef;
import dev.meridian.proto.api.v1.ExecutionServiceGrpc;
import dev.meridian.proto.api.v1.ListExecutionsRequest;
import dev.meridian.proto.api.v1.ListMapItemsRequest;
import dev.meridian.proto.api.v1.TerminateExecutionRequest;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** {@code meridian.api.v1.ExecutionService}: executions of the REST API over gRPC, same shapes as Structs. */
@Service
class ExecutionGrpcService extends ExecutionServiceGrpc.ExecutionServiceImplBase {

  private final Executions executions;

  ExecutionGrpcService(Executions executions) {
    this.executions = executions;
  }

  @Override
  public void createExecution(CreateExecutionRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(executions.create(Scope.of(request.getScope()), Structs.toJson(request.getExecution()), request.getIdempotencyKey()),
        execution -> Structs.toStruct(ExecutionView.of(execution)), response);
  }

  @Override
  public void getExecution(ExecutionRef request, StreamObserver<Struct> response) {
    GrpcErrors.respond(executions.get(Scope.of(request.getScope()), request.getId()),
        execution -> Structs.toStruct(ExecutionView.of(execution)), response);
  }

  @Override
  public void listExecutions(ListExecutionsRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(executions.list(Scope.of(request.getScope()), request.getPhase(), request.getLimit() == 0 ? 50 : request.getLimit(),
        request.getPageToken()), page -> Structs.toStruct(ExecutionView.page(page.getItemsList(), page.getNextPageToken())), response);
  }

  @Override
  public void listMapItems(ListMapItemsRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(executions.items(Scope.of(request.getScope()), request.getId(), request.getNode(),
        request.getLimit() == 0 ? 100 : request.getLimit(), request.getPageToken()), page -> Structs.toStruct(ExecutionView.items(page)), response);
  }

  @Override
  public void terminateExecution(TerminateExecutionRequest request, StreamObserver<Struct> response) {
    GrpcErrors.respond(executions.terminate(Scope.of(request.getScope()), request.getId(), request.getReason()),
        execution -> Structs.toStruct(ExecutionView.of(execution)), response);
  }
}
