package dev.meridian.router.agent;

import dev.meridian.identity.ServiceChannels;
import dev.meridian.identity.ServiceTls;
import dev.meridian.proto.router.v1.RouterPeersGrpc;
import io.grpc.ManagedChannel;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The other routers of this deployment, and which of them holds each cluster's agent stream. A
 * router records itself in {@code routers} every {@link #HEARTBEAT} while it runs; one not heard from
 * for {@link #GONE_AFTER} holds nothing any more (its agents reconnect elsewhere). Calls to a peer
 * go over mutual TLS with this router's own certificate.
 */
@Component
public class RouterPeers {

  private static final Logger log = LoggerFactory.getLogger(RouterPeers.class);
  static final Duration HEARTBEAT = Duration.ofSeconds(2);
  static final Duration GONE_AFTER = Duration.ofSeconds(10);
  /** A peer answers from memory; anything slower than this is treated as unreachable. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(5);

  /** Another router: its id and where its internal API listens. */
  record Peer(String routerId, String target) {}

  private final JdbcClient jdbc;
  private final ServiceTls tls;
  private final String routerId;
  private final String peerTarget;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  RouterPeers(JdbcClient jdbc, ServiceTls tls, @Value("${meridian.router.id:}") String routerId,
      @Value("${meridian.router.peer-target:${spring.grpc.server.address:127.0.0.1}:${spring.grpc.server.port:9292}}") String peerTarget) {
    this.jdbc = jdbc;
    this.tls = tls;
    this.routerId = routerId == null || routerId.isBlank() ? "router-" + UUID.randomUUID().toString().substring(0, 8) : routerId;
    this.peerTarget = peerTarget;
    log.info("router {} reachable by its peers at {}", this.routerId, peerTarget);
  }

  /** This router's id, as clusters' stream owners name it. */
  public String routerId() {
    return routerId;
  }

  @Scheduled(fixedDelayString = "${meridian.router.peers.heartbeat:2s}")
  void heartbeat() {
    jdbc.sql("""
        insert into routers (router_id, peer_target, heard_at) values (:id, :target, now())
        on conflict (router_id) do update set peer_target = excluded.peer_target, heard_at = now()
        """).param("id", routerId).param("target", peerTarget).update();
  }

  /** A router stopping in order leaves at once: its agents are already reconnecting elsewhere. */
  @PreDestroy
  void leave() {
    jdbc.sql("delete from routers where router_id = :id").param("id", routerId).update();
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  /** The live router other than this one that holds {@code clusterId}'s stream, if any. */
  Optional<Peer> ownerOf(String clusterId) {
    return ownersOf(List.of(clusterId)).keySet().stream().findFirst();
  }

  /** The clusters among {@code clusterIds} whose streams other live routers hold, by router. */
  Map<Peer, List<String>> ownersOf(Collection<String> clusterIds) {
    if (clusterIds.isEmpty()) {
      return Map.of();
    }
    Map<Peer, List<String>> owners = new HashMap<>();
    jdbc.sql("""
        select c.cluster_id, r.router_id, r.peer_target from clusters c join routers r on r.router_id = c.router_id
         where c.cluster_id in (:ids) and c.connected and c.deleted_at is null and r.router_id <> :me
           and r.heard_at > now() - make_interval(secs => :gone)
        """).param("ids", clusterIds).param("me", routerId).param("gone", GONE_AFTER.toSeconds())
        .query((rs, row) -> owners.computeIfAbsent(new Peer(rs.getString(2), rs.getString(3)), p -> new java.util.ArrayList<>())
            .add(rs.getString(1)))
        .list();
    return owners;
  }

  /** Every other live router. */
  List<Peer> others() {
    return jdbc.sql("select router_id, peer_target from routers where router_id <> :me and heard_at > now() - make_interval(secs => :gone)")
        .param("me", routerId).param("gone", GONE_AFTER.toSeconds())
        .query((rs, row) -> new Peer(rs.getString(1), rs.getString(2))).list();
  }


  RouterPeersGrpc.RouterPeersBlockingStub stub(Peer peer) {
    ManagedChannel channel = channels.computeIfAbsent(peer.target(), target -> ServiceChannels.toService(target, tls));
    return RouterPeersGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
