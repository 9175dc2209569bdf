package dev.meridian.gateway.cluster;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param agentEndpoint host:port agents connect to (cluster-router's agent endpoint as customers' clusters reach it)
 * @param chart the agent's Helm chart reference shown in install lines
 */
@ConfigurationProperties("meridian.gateway.clusters")
record ClusterProperties(String agentEndpoint, String chart) {
  ClusterProperties {
    agentEndpoint = agentEndpoint == null || agentEndpoint.isBlank() ? "127.0.0.1:9292" : agentEndpoint;
    chart = chart == null || chart.isBlank() ? "./helm/execution-agent" : chart;
  }
}
