package dev.meridian.gateway.cluster;

import com.google.protobuf.Timestamp;
import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.proto.router.v1.Cluster;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/v1/orgs/{org}/clusters")
class ClusterController {

  private final Clusters clusters;
  private final ClusterProperties properties;

  ClusterController(Clusters clusters, ClusterProperties properties) {
    this.clusters = clusters;
    this.properties = properties;
  }

  /**
   * The token is in this answer only; the install lines show how to use it. It is also the password
   * of the cluster's Kafka principal, which may only write task events.
   */
  @PostMapping
  ResponseEntity<?> register(@PathVariable String org, @RequestBody JsonNode body) {
    return RestErrors.respond(clusters.register(org, body), registered -> {
      Map<String, Object> json = view(registered.getCluster());
      json.put("token", registered.getToken());
      json.put("kafka", Map.of("bootstrapServers", properties.kafkaBootstrapServers(), "username", registered.getKafkaUsername(),
          "mechanism", "SCRAM-SHA-512", "password", registered.getToken()));
      json.put("install", Map.of(
          "helm", "helm upgrade --install meridian-agent " + properties.chart() + " --namespace meridian-agent --create-namespace"
              + " --set clusterToken=" + registered.getToken() + " --set routerAddress=" + properties.agentEndpoint()
              + " --set kafkaBootstrapServers=" + properties.kafkaBootstrapServers() + " --set-file caBundle=<the control plane's CA (PEM)>",
          "local", "./meridian agent --token " + registered.getToken()));
      return json;
    });
  }

  @GetMapping
  ResponseEntity<?> list(@PathVariable String org) {
    return RestErrors.respond(clusters.list(org), items -> Map.of("items", items.stream().map(ClusterController::view).toList()));
  }

  @PostMapping("/{id}/cordon")
  ResponseEntity<?> cordon(@PathVariable String org, @PathVariable String id) {
    return RestErrors.respond(clusters.cordon(org, id, true), ClusterController::view);
  }

  @PostMapping("/{id}/uncordon")
  ResponseEntity<?> uncordon(@PathVariable String org, @PathVariable String id) {
    return RestErrors.respond(clusters.cordon(org, id, false), ClusterController::view);
  }

  @DeleteMapping("/{id}")
  ResponseEntity<?> delete(@PathVariable String org, @PathVariable String id, @RequestParam(defaultValue = "false") boolean force) {
    return RestErrors.respond(clusters.delete(org, id, force), ClusterController::view);
  }

  static Map<String, Object> view(Cluster cluster) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", cluster.getId());
    json.put("name", cluster.getName());
    json.put("region", cluster.getRegion());
    json.put("labels", cluster.getLabelsMap());
    json.put("status", cluster.getStatus());
    json.put("agentVersion", cluster.getAgentVersion().isBlank() ? null : cluster.getAgentVersion());
    json.put("lastHeartbeatAt", cluster.hasLastHeartbeatAt() ? time(cluster.getLastHeartbeatAt()) : null);
    json.put("capacity", cluster.hasCapacity() ? capacity(cluster.getCapacity()) : null);
    json.put("allocated", cluster.hasAllocated() ? capacity(cluster.getAllocated()) : null);
    json.put("runningAttempts", cluster.getRunningAttempts());
    json.put("createdAt", time(cluster.getCreatedAt()));
    return json;
  }

  private static Map<String, Object> capacity(Capacity capacity) {
    return Map.of("gpus", capacity.getGpusMap(), "cpu", capacity.getMilliCpu() / 1000.0, "memory", capacity.getMemoryMib() + "Mi");
  }

  private static String time(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()).toString();
  }
}
