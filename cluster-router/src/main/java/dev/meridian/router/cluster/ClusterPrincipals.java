package dev.meridian.router.cluster;

import dev.meridian.identity.ClusterCredentials;
import dev.meridian.router.events.EventsProperties;
import dev.meridian.router.agent.AgentProperties;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * Each cluster's own Kafka principal: a SCRAM user whose password is the cluster token, allowed to
 * write (and describe) the task-events topic and nothing else: it cannot read any topic, join a
 * group, or write execution events; and the broker throttles it past {@code
 * meridian.router.agents.kafka-bytes-per-second}. Made at registration, removed with the cluster.
 */
@Component
class ClusterPrincipals implements AutoCloseable {

  private final Admin admin;
  private final String taskTopic;
  private final long bytesPerSecond;

  ClusterPrincipals(KafkaAdmin kafka, EventsProperties events, AgentProperties agents) {
    this.admin = Admin.create(kafka.getConfigurationProperties());
    this.taskTopic = events.taskTopic();
    this.bytesPerSecond = agents.kafkaBytesPerSecond().toBytes();
  }

  /** Creates (or refreshes) the principal of the cluster holding {@code token}; idempotent. */
  void grant(String token) {
    String user = ClusterCredentials.kafkaUsername(token);
    await(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), token))).all(), "create the Kafka principal " + user);
    ResourcePattern topic = new ResourcePattern(ResourceType.TOPIC, taskTopic, PatternType.LITERAL);
    await(admin.createAcls(List.of(
        new AclBinding(topic, new AccessControlEntry("User:" + user, "*", AclOperation.WRITE, AclPermissionType.ALLOW)),
        new AclBinding(topic, new AccessControlEntry("User:" + user, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)))).all(),
        "grant " + user + " writing task events");
    // The broker throttles a cluster that writes more: one customer cannot flood the shared topic.
    await(admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, user)),
        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", (double) bytesPerSecond))))).all(), "limit what " + user + " may write");
  }

  /** Removes the principal of the cluster whose token hashes to {@code tokenHash}, its grants and its quota. */
  void revoke(String tokenHash) {
    String user = ClusterCredentials.kafkaUsernameOfHash(tokenHash);
    await(admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, user)),
        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", null))))).all(), "drop the quota of " + user);
    await(admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY,
        new AccessControlEntryFilter("User:" + user, null, AclOperation.ANY, AclPermissionType.ANY)))).all(), "drop the grants of " + user);
    try {
      await(admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512))).all(),
          "delete the Kafka principal " + user);
    } catch (IllegalStateException e) {
      if (!(e.getCause() instanceof ExecutionException failed && failed.getCause() instanceof ResourceNotFoundException)) {
        throw e;
      }
    }
  }

  private static <T> void await(KafkaFuture<T> future, String what) {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot " + what, e);
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
