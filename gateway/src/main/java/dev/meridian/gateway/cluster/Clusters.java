package dev.meridian.gateway.cluster;

import dev.meridian.gateway.api.Downstream;
import dev.meridian.gateway.api.Fields;
import dev.meridian.gateway.api.Outcome;
import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.project.Projects;
import dev.meridian.proto.router.v1.Cluster;
import dev.meridian.proto.router.v1.ClusterRegistryGrpc.ClusterRegistryBlockingStub;
import dev.meridian.proto.router.v1.DeleteClusterRequest;
import dev.meridian.proto.router.v1.ListClustersRequest;
import dev.meridian.proto.router.v1.RegisterClusterRequest;
import dev.meridian.proto.router.v1.RegisteredCluster;
import dev.meridian.proto.router.v1.SetCordonedRequest;
import dev.meridian.workflow.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/** An org's clusters; cluster-router keeps them. */
@Service
class Clusters {

  private final ClusterRegistryBlockingStub registry;
  private final Projects projects;

  Clusters(ClusterRegistryBlockingStub registry, Projects projects) {
    this.registry = registry;
    this.projects = projects;
  }

  private ClusterRegistryBlockingStub registry() {
    return registry.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  Outcome<RegisteredCluster> register(String org, JsonNode body) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    List<Violation> violations = new ArrayList<>();
    Fields cluster = new Fields(body, "", violations);
    cluster.onlyKnown(Set.of("name", "region", "labels"));
    String name = cluster.name("name");
    String region = cluster.string("region", false);
    var labels = cluster.stringMap("labels");
    if (!violations.isEmpty()) {
      return Outcome.refused(new Refusal.Invalid("the cluster is invalid", violations));
    }
    Outcome<RegisteredCluster> registered = Downstream.call("cluster-router", () -> registry().registerCluster(
        RegisterClusterRequest.newBuilder().setOrg(org).setName(name).setRegion(region == null ? "" : region).putAllLabels(labels).build()));
    return registered instanceof Outcome.Done<RegisteredCluster> done ? Outcome.created(done.value()) : registered;
  }

  Outcome<List<Cluster>> list(String org) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> registry().listClusters(ListClustersRequest.newBuilder().setOrg(org).build()).getItemsList());
  }

  Outcome<Cluster> cordon(String org, String id, boolean cordoned) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> registry().setCordoned(
        SetCordonedRequest.newBuilder().setOrg(org).setId(id).setCordoned(cordoned).build()));
  }

  Outcome<Cluster> delete(String org, String id, boolean force) {
    Optional<Refusal> missing = projects.checkOrg(org);
    if (missing.isPresent()) {
      return Outcome.refused(missing.get());
    }
    return Downstream.call("cluster-router", () -> registry().deleteCluster(
        DeleteClusterRequest.newBuilder().setOrg(org).setId(id).setForce(force).build()));
  }
}
