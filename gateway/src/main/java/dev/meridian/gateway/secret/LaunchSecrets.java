package dev.meridian.gateway.secret;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Scope;
import dev.meridian.proto.router.v1.ExecutionPlan;
import dev.meridian.proto.router.v1.PlanNode;
import dev.meridian.proto.secrets.v1.FindMissingRequest;
import dev.meridian.proto.secrets.v1.SecretsGrpc.SecretsBlockingStub;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;

/**
 * A launch whose tasks declare secrets that do not exist in its scope is refused before anything
 * runs: each missing secret is named at the node that needs it. Plans without secrets never call
 * the broker.
 */
@Service
public class LaunchSecrets {

  private final SecretsBlockingStub broker;

  LaunchSecrets(SecretsBlockingStub broker) {
    this.broker = broker;
  }

  public Optional<Refusal> missing(Scope scope, ExecutionPlan plan, String pointer) {
    Set<String> declared = new LinkedHashSet<>();
    plan.getNodesList().forEach(node -> node.getTask().getSecretsList().forEach(secret -> declared.add(secret.getName())));
    if (declared.isEmpty()) {
      return Optional.empty();
    }
    Outcome<List<String>> found = Downstream.call("secrets-broker", () -> broker.withDeadlineAfter(10, TimeUnit.SECONDS)
        .findMissing(FindMissingRequest.newBuilder().setOrg(scope.org()).setProject(scope.project()).setDomain(scope.domain())
            .addAllNames(declared).build()).getMissingList());
    return switch (found) {
      case Outcome.Refused<List<String>> refused -> Optional.of(refused.refusal());
      case Outcome.Done<List<String>> done when done.value().isEmpty() -> Optional.empty();
      case Outcome.Done<List<String>> done -> {
        List<Violation> violations = new ArrayList<>();
        for (PlanNode node : plan.getNodesList()) {
          node.getTask().getSecretsList().stream().filter(secret -> done.value().contains(secret.getName()))
              .forEach(secret -> violations.add(new Violation(pointer, "node '" + node.getId() + "' needs secret '" + secret.getName()
                  + "', which does not exist for org " + scope.org() + ", project " + scope.project() + ", domain " + scope.domain())));
        }
        yield Optional.of(new Refusal.Invalid("the workflow needs secrets that do not exist", violations));
      }
    };
  }
}
