package dev.meridian.router.agent;

import dev.meridian.router.cluster.ClusterStore;
import dev.meridian.router.events.AttemptStore;
import dev.meridian.router.events.TaskEventPublisher;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Declares the running attempts of a cluster lost once its agent has been silent past the deadline,
 * or the cluster was deleted. Silence is counted from when this router started listening: while no
 * router ran, no agent could be heard, and a restarted router must give agents time to reconnect
 * before it fails their work over. A cluster whose stream another live router holds is that
 * router's to judge: its last-seen time in the database is only refreshed every few seconds.
 */
@Component
class LostClusterSweeper {

  private static final Logger log = LoggerFactory.getLogger(LostClusterSweeper.class);

  private final ConnectedAgents agents;
  private final ClusterStore clusters;
  private final AttemptStore attempts;
  private final TaskEventPublisher events;
  private final AgentProperties properties;
  private final RouterPeers peers;
  private final Instant listeningSince = Instant.now();

  LostClusterSweeper(ConnectedAgents agents, ClusterStore clusters, AttemptStore attempts, TaskEventPublisher events,
      AgentProperties properties, RouterPeers peers) {
    this.peers = peers;
    this.agents = agents;
    this.clusters = clusters;
    this.attempts = attempts;
    this.events = events;
    this.properties = properties;
  }

  @Scheduled(fixedDelayString = "${meridian.router.agents.sweep-interval:1s}")
  void sweep() {
    Instant deadline = Instant.now().minus(properties.lostAfter());
    if (deadline.isBefore(listeningSince)) {
      return;
    }
    List<String> silent = clusters.silentSince(deadline);
    if (silent.isEmpty()) {
      return;
    }
    Set<String> heldElsewhere = new HashSet<>();
    peers.ownersOf(silent).values().forEach(heldElsewhere::addAll);
    for (String cluster : silent) {
      if (agents.isConnected(cluster) || heldElsewhere.contains(cluster)) {
        continue;
      }
      for (AttemptStore.OpenAttempt open : attempts.openOn(cluster)) {
        log.warn("cluster {} silent for more than {} or deleted: attempt {} is lost", cluster, properties.lostAfter(), open.attemptId());
        events.publishLost(open, "cluster " + cluster + " has not been heard from for more than "
            + properties.lostAfter().toSeconds() + " s (or was deleted)");
      }
    }
  }
}
