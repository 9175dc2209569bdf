package dev.meridian.gateway.cluster;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param agentEndpoint host:port agents connect to (cluster-router's agent endpoint as customers' clusters reach it, TLS)
 * @param kafkaBootstrapServers the Kafka brokers as customers' clusters reach them (SASL/SCRAM over TLS)
 * @param chart the agent's Helm chart reference shown in install lines
 */
@ConfigurationProperties("meridian.gateway.clusters")
record ClusterProperties(String agentEndpoint, String kafkaBootstrapServers, String chart) {
  ClusterProperties {
    agentEndpoint = agentEndpoint == null || agentEndpoint.isBlank() ? "127.0.0.1:9443" : agentEndpoint;
    kafkaBootstrapServers = kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank() ? "127.0.0.1:9092" : kafkaBootstrapServers;
    chart = chart == null || chart.isBlank() ? "./helm/execution-agent" : chart;
  }
}
