package dev.meridian.tenant.quota;

import dev.meridian.proto.tenant.v1.GetOrgQuotasRequest;
import dev.meridian.proto.tenant.v1.GetQuotaRequest;
import dev.meridian.proto.tenant.v1.ListQuotaChangesRequest;
import dev.meridian.proto.tenant.v1.ListQuotaChangesResponse;
import dev.meridian.proto.tenant.v1.OrgQuotas;
import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.tenant.v1.QuotaConfigGrpc;
import dev.meridian.proto.tenant.v1.SetQuotaRequest;
import dev.meridian.proto.FieldViolations;
import dev.meridian.identity.Role;
import dev.meridian.tenant.identity.Callers;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Quotas of orgs and projects. A change is validated against the org's other quotas and recorded
 * with its author in the same transaction, under a lock on the org, so two admins changing quotas
 * at once cannot together break the rules that each change alone keeps.
 */
@Service
class QuotaConfigService extends QuotaConfigGrpc.QuotaConfigImplBase {

  private static final Logger log = LoggerFactory.getLogger(QuotaConfigService.class);

  private final QuotaStore store;
  private final TransactionTemplate transactions;
  private final Callers callers;

  QuotaConfigService(QuotaStore store, TransactionTemplate transactions, Callers callers) {
    this.callers = callers;
    this.store = store;
    this.transactions = transactions;
  }

  @Override
  public void getQuota(GetQuotaRequest request, StreamObserver<Quota> response) {
    if (!exists(request.getOrg(), request.getProject(), response)) {
      return;
    }
    reply(response, store.find(request.getOrg(), request.getProject())
        .orElse(Quota.newBuilder().setOrg(request.getOrg()).setProject(request.getProject()).build()));
  }

  @Override
  public void setQuota(SetQuotaRequest request, StreamObserver<Quota> response) {
    Quota candidate = request.getQuota();
    String actor;
    try {
      Callers.Acting acting = callers.in(candidate.getOrg());
      if (!acting.role().atLeast(Role.ADMIN)) {
        throw Status.PERMISSION_DENIED.withDescription("a " + acting.role().claim() + " may not set quotas; that takes admin")
            .asRuntimeException();
      }
      actor = acting.describe();
    } catch (io.grpc.StatusRuntimeException refused) {
      response.onError(refused);
      return;
    }
    record Result(Status status, List<QuotaRules.Problem> problems, Quota saved) {}
    Result result = transactions.execute(tx -> {
      if (!store.lockOrg(candidate.getOrg())) {
        return new Result(Status.NOT_FOUND.withDescription("org '" + candidate.getOrg() + "' not found"), List.of(), null);
      }
      if (!candidate.getProject().isEmpty() && !store.projectExists(candidate.getOrg(), candidate.getProject())) {
        return new Result(Status.NOT_FOUND.withDescription("project '" + candidate.getProject() + "' not found"), List.of(), null);
      }
      List<Quota> all = store.ofOrg(candidate.getOrg());
      Optional<Quota> org = all.stream().filter(q -> q.getProject().isEmpty()).findFirst();
      List<Quota> projects = all.stream().filter(q -> !q.getProject().isEmpty()).toList();
      List<QuotaRules.Problem> problems = QuotaRules.check(candidate, org, projects);
      if (!problems.isEmpty()) {
        return new Result(Status.INVALID_ARGUMENT, problems, null);
      }
      Optional<Quota> before = all.stream().filter(q -> q.getProject().equals(candidate.getProject())).findFirst();
      store.save(before.orElse(null), candidate, actor);
      return new Result(Status.OK, List.of(), store.find(candidate.getOrg(), candidate.getProject()).orElseThrow());
    });
    if (!result.problems().isEmpty()) {
      response.onError(FieldViolations.invalid("the quota is invalid", result.problems()));
    } else if (!result.status().isOk()) {
      response.onError(result.status().asRuntimeException());
    } else {
      log.info("quota of {}{} set by {}", candidate.getOrg(), candidate.getProject().isEmpty() ? "" : "/" + candidate.getProject(), actor);
      reply(response, result.saved());
    }
  }

  @Override
  public void getOrgQuotas(GetOrgQuotasRequest request, StreamObserver<OrgQuotas> response) {
    OrgQuotas.Builder quotas = OrgQuotas.newBuilder().setOrg(Quota.newBuilder().setOrg(request.getOrg()));
    for (Quota quota : store.ofOrg(request.getOrg())) {
      if (quota.getProject().isEmpty()) {
        quotas.setOrg(quota);
      } else {
        quotas.addProjects(quota);
      }
    }
    reply(response, quotas.build());
  }

  @Override
  public void listQuotaChanges(ListQuotaChangesRequest request, StreamObserver<ListQuotaChangesResponse> response) {
    int limit = request.getLimit() <= 0 ? 50 : Math.min(request.getLimit(), 500);
    reply(response, ListQuotaChangesResponse.newBuilder().addAllItems(store.changes(request.getOrg(), limit)).build());
  }

  private boolean exists(String org, String project, StreamObserver<?> response) {
    if (!store.orgExists(org)) {
      response.onError(Status.NOT_FOUND.withDescription("org '" + org + "' not found").asRuntimeException());
      return false;
    }
    if (!project.isEmpty() && !store.projectExists(org, project)) {
      response.onError(Status.NOT_FOUND.withDescription("project '" + project + "' not found").asRuntimeException());
      return false;
    }
    return true;
  }

  private static <T> void reply(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
