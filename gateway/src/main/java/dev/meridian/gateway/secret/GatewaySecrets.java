package dev.meridian.gateway.secret;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.identity.Caller;
import dev.meridian.gateway.project.Projects;
import dev.meridian.gateway.project.Scope;
import dev.meridian.proto.secrets.v1.AuditEntry;
import dev.meridian.proto.secrets.v1.DeleteSecretRequest;
import dev.meridian.proto.secrets.v1.ListAuditRequest;
import dev.meridian.proto.secrets.v1.ListSecretsRequest;
import dev.meridian.proto.secrets.v1.SecretInfo;
import dev.meridian.proto.secrets.v1.SecretScope;
import dev.meridian.proto.secrets.v1.SecretsGrpc.SecretsBlockingStub;
import dev.meridian.proto.secrets.v1.WriteSecretRequest;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * An org's secrets, kept by the secrets-broker: written (never read back), listed by name,
 * scope and version, deleted; every change audited with who made it. The org, and the project and
 * domain a secret is limited to, must exist.
 */
@Service
class GatewaySecrets {

  private final SecretsBlockingStub broker;
  private final Projects projects;

  GatewaySecrets(SecretsBlockingStub broker, Projects projects) {
    this.broker = broker;
    this.projects = projects;
  }

  private SecretsBlockingStub broker() {
    return broker.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** {@code PUT .../secrets/{name}} {@code {value, project?, domain?}}. */
  Outcome<Integer> write(String org, String name, JsonNode body) {
    List<Violation> violations = new ArrayList<>();
    Fields secret = new Fields(body, "", violations);
    secret.onlyKnown(Set.of("value", "project", "domain"));
    // Not Fields.string: a value is a blob of up to 64 KiB, which the broker bounds and says so.
    JsonNode valueNode = secret.get("value");
    String value = valueNode != null && valueNode.isString() ? valueNode.stringValue() : null;
    if (value == null) {
      violations.add(new Violation("/value", "value is required: the secret, as a string"));
    }
    String project = secret.string("project", false);
    String domain = secret.string("domain", false);
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the secret is invalid", violations));
    }
    Optional<Refusal> missing = scopeExists(org, project, domain);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("secrets-broker", () -> broker().writeSecret(WriteSecretRequest.newBuilder()
        .setSecret(scope(org, project, domain, name)).setValue(value).setActor(actor()).build()).getVersion());
  }

  Outcome<List<SecretInfo>> list(String org) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("secrets-broker", () -> broker().listSecrets(ListSecretsRequest.newBuilder().setOrg(org).build()).getItemsList());
  }

  /** {@code DELETE .../secrets/{name}?project=&domain=}: every version, for good. */
  Outcome<Boolean> delete(String org, String name, String project, String domain) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("secrets-broker", () -> {
      broker().deleteSecret(DeleteSecretRequest.newBuilder().setSecret(scope(org, project, domain, name)).setActor(actor()).build());
      return true;
    });
  }

  Outcome<List<AuditEntry>> audit(String org, int limit) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("secrets-broker", () -> broker().listAudit(ListAuditRequest.newBuilder().setOrg(org).setLimit(limit).build())
        .getItemsList());
  }

  /** The org must exist; a project or domain the secret is limited to is part of the request, so one that does not exist is a 422 there. */
  private Optional<Refusal> scopeExists(String org, String project, String domain) {
    Optional<Refusal> noOrg = projects.checkOrg(org);
    if (noOrg.isPresent() || project == null && domain == null) {
      return noOrg;
    }
    if (project == null) {
      return invalid("/domain", "a secret limited to a domain names its project too");
    }
    if (domain != null && !Scope.DOMAINS.contains(domain)) {
      return invalid("/domain", "domain '" + domain + "' does not exist; domains are " + Scope.DOMAINS);
    }
    // Only "no such project" is the request's fault; tenant-service being unavailable stays a 503.
    Optional<Refusal> noProject = projects.check(new Scope(org, project, Scope.DOMAINS.getFirst()));
    return noProject.isPresent() && noProject.get() instanceof Refusal.NotFound
        ? invalid("/project", "project '" + project + "' does not exist in org " + org) : noProject;
  }

  private static Optional<Refusal> invalid(String pointer, String message) {
    return Optional.of(new Refusal.Invalid("the secret is invalid", List.of(new Violation(pointer, message))));
  }

  private static SecretScope scope(String org, String project, String domain, String name) {
    return SecretScope.newBuilder().setOrg(org).setProject(project == null ? "" : project).setDomain(domain == null ? "" : domain)
        .setName(name).build();
  }

  /** Who the audit trail names: the person's e-mail, or the API key. */
  private static String actor() {
    return Caller.currentCaller().map(caller -> caller.email() != null ? caller.email() : "api-key:" + caller.keyId()).orElse("unknown");
  }
}
