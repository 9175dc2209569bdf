package dev.meridian.gateway.identity;

import dev.meridian.identity.Role;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may call what. Pure: a method, a path under {@code /api/v1} and a caller in, a decision out.
 *
 * <p>A caller acts only in its own org: another org's path is {@code 404}, exactly as if the
 * resource did not exist. Within its org the role decides: viewers read; members also register
 * and launch; admins also manage projects, clusters, quotas and API keys; owners may do all. The
 * platform operator may create orgs and API keys in them and run billing, nothing else. Anything not listed needs
 * the owner, so a new endpoint is never open by accident. {@code /api/v1/operator/...} (prices, closing
 * a billing period) is the operator's alone. Only the {@link #PUBLIC} ones need no token.
 */
public final class AccessPolicy {

  private AccessPolicy() {}

  /** What anyone may call, without a token: signing up, confirming it, accepting an invitation. */
  public static final List<String> PUBLIC = List.of("/api/v1/signup", "/api/v1/signup/confirm", "/api/v1/invitations/accept");

  /** What to do with a request. Callers must handle every case. */
  public sealed interface Decision {}

  public record Allow() implements Decision {}

  /** 404: the path is another org's; the answer must not tell it exists. */
  public record Hidden(String detail) implements Decision {}

  /** 403: the caller's role may not do this in its own org. */
  public record Forbidden(String detail) implements Decision {}

  private record Rule(String method, Pattern path, Role required, String what) {}

  private static final String ORG = "/api/v1/orgs/[^/]+";
  private static final String SCOPE = ORG + "/projects/[^/]+/domains/[^/]+";

  private static final List<Rule> RULES = List.of(
      new Rule("POST", Pattern.compile(SCOPE + "/(tasks|workflows|launch-plans)"), Role.MEMBER, "register tasks, workflows and launch plans"),
      new Rule("PUT", Pattern.compile(SCOPE + "/launch-plans/[^/]+/versions/[^/]+/state"), Role.MEMBER, "activate launch plans"),
      new Rule("POST", Pattern.compile(SCOPE + "/executions(/[^/]+/(terminate|relaunch|recover))?"), Role.MEMBER, "launch and stop executions"),
      new Rule("POST", Pattern.compile(ORG + "/projects"), Role.ADMIN, "create projects"),
      new Rule("*", Pattern.compile(ORG + "/clusters(/.*)?"), Role.ADMIN, "manage clusters"),
      new Rule("PUT", Pattern.compile(ORG + "(/projects/[^/]+)?/quota"), Role.ADMIN, "set quotas"),
      new Rule("*", Pattern.compile(ORG + "/api-keys(/.*)?"), Role.ADMIN, "manage API keys"),
      new Rule("*", Pattern.compile(ORG + "/members(/.*)?"), Role.ADMIN, "manage members"),
      new Rule("PUT", Pattern.compile(ORG + "/secrets/[^/]+"), Role.ADMIN, "write secrets"),
      new Rule("DELETE", Pattern.compile(ORG + "/secrets/[^/]+"), Role.ADMIN, "delete secrets"),
      new Rule("GET", Pattern.compile(ORG + "/secrets/audit"), Role.ADMIN, "read the secrets' audit trail"),
      new Rule("GET", Pattern.compile(ORG + "/secrets"), Role.MEMBER, "list secrets"),
      new Rule("GET", Pattern.compile(ORG + "/(usage|invoices)(/.*)?"), Role.ADMIN, "read usage and invoices"),
      new Rule("GET", Pattern.compile(ORG + "(/.*)?"), Role.VIEWER, "read"));

  /** gRPC methods of {@code meridian.api.v1} and the role each needs; a method not listed needs the owner. */
  private static final Map<String, Role> GRPC = Map.ofEntries(
      Map.entry("meridian.api.v1.ProjectService/CreateProject", Role.ADMIN),
      Map.entry("meridian.api.v1.ProjectService/ListProjects", Role.VIEWER),
      Map.entry("meridian.api.v1.RegistryService/RegisterTask", Role.MEMBER),
      Map.entry("meridian.api.v1.RegistryService/RegisterWorkflow", Role.MEMBER),
      Map.entry("meridian.api.v1.RegistryService/RegisterLaunchPlan", Role.MEMBER),
      Map.entry("meridian.api.v1.RegistryService/GetTask", Role.VIEWER),
      Map.entry("meridian.api.v1.RegistryService/GetWorkflow", Role.VIEWER),
      Map.entry("meridian.api.v1.RegistryService/GetLaunchPlan", Role.VIEWER),
      Map.entry("meridian.api.v1.ExecutionService/CreateExecution", Role.MEMBER),
      Map.entry("meridian.api.v1.ExecutionService/TerminateExecution", Role.MEMBER),
      Map.entry("meridian.api.v1.ExecutionService/GetExecution", Role.VIEWER),
      Map.entry("meridian.api.v1.ExecutionService/ListExecutions", Role.VIEWER),
      Map.entry("meridian.api.v1.ExecutionService/ListMapItems", Role.VIEWER),
      Map.entry("meridian.api.v1.QuotaService/GetQuota", Role.VIEWER),
      Map.entry("meridian.api.v1.QuotaService/SetQuota", Role.ADMIN),
      Map.entry("meridian.api.v1.QuotaService/GetQuotaUsage", Role.VIEWER),
      Map.entry("meridian.api.v1.SecretService/PutSecret", Role.ADMIN),
      Map.entry("meridian.api.v1.SecretService/DeleteSecret", Role.ADMIN),
      Map.entry("meridian.api.v1.SecretService/ListSecretAudit", Role.ADMIN),
      Map.entry("meridian.api.v1.SecretService/ListSecrets", Role.MEMBER),
      Map.entry("meridian.api.v1.UsageService/GetUsage", Role.ADMIN),
      Map.entry("meridian.api.v1.UsageService/ListInvoices", Role.ADMIN),
      Map.entry("meridian.api.v1.UsageService/GetInvoice", Role.ADMIN));

  /** A gRPC call of the public API that names {@code org} in its request. */
  public static Decision decideGrpc(String fullMethod, String org, Caller caller) {
    if (caller.isOperator()) {
      return new Forbidden("the platform operator acts inside an org only through an API key it creates there");
    }
    if (org == null || !org.equals(caller.org())) {
      return new Hidden("not found");
    }
    Role required = GRPC.getOrDefault(fullMethod, Role.OWNER);
    return caller.role().atLeast(required) ? new Allow()
        : new Forbidden("a " + caller.role().claim() + " may not call " + fullMethod + "; that takes "
            + required.claim());
  }

  private static final Pattern ORG_PATH = Pattern.compile("/api/v1/orgs/([^/]+)(/.*)?");

  public static Decision decide(String method, String path, Caller caller) {
    if (PUBLIC.contains(path)) {
      return new Allow();
    }
    if (path.equals("/api/v1/orgs")) {
      return method.equals("POST") && caller.isOperator() ? new Allow()
          : new Forbidden("only the platform operator creates orgs directly; everyone else signs up");
    }
    if (path.startsWith("/api/v1/operator/")) {
      return caller.isOperator() ? new Allow() : new Forbidden("only the platform operator sets prices and closes billing periods");
    }
    Matcher org = ORG_PATH.matcher(path);
    if (!org.matches()) {
      return new Forbidden("no such operation for any caller");
    }
    if (caller.isOperator()) {
      return method.equals("POST") && path.matches(ORG + "/api-keys") ? new Allow()
          : new Forbidden("the platform operator acts inside an org only through an API key it creates there");
    }
    if (!org.group(1).equals(caller.org())) {
      return new Hidden("not found");
    }
    for (Rule rule : RULES) {
      if ((rule.method().equals("*") || rule.method().equals(method)) && rule.path().matcher(path).matches()) {
        return caller.role().atLeast(rule.required()) ? new Allow()
            : new Forbidden("a " + caller.role().claim() + " may not " + rule.what() + "; that takes "
                + rule.required().name().toLowerCase());
      }
    }
    return caller.role().atLeast(Role.OWNER) ? new Allow() : new Forbidden("only an owner may do this");
  }
}
