package dev.meridian.gateway.project;

import java.util.List;
import java.util.Objects;

/** org → project → domain: where every registered entity and execution lives. */
public record Scope(String org, String project, String domain) {

  public static final List<String> DOMAINS = List.of("development", "staging", "production");

  public Scope {
    Objects.requireNonNull(org, "org");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(domain, "domain");
  }

  public static Scope of(dev.meridian.proto.api.v1.Scope scope) {
    return new Scope(scope.getOrg(), scope.getProject(), scope.getDomain());
  }

  public dev.meridian.proto.router.v1.Scope toRouter() {
    return dev.meridian.proto.router.v1.Scope.newBuilder().setOrg(org).setProject(project).setDomain(domain).build();
  }
}
