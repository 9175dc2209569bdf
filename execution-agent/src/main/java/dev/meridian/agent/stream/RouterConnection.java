package dev.meridian.agent.stream;

import dev.meridian.agent.backend.TaskBackend;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.agent.backend.AttemptSecrets;
import dev.meridian.proto.ResourceMessages;
import dev.meridian.proto.SecretMessages;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.RedeemSecretsRequest;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.AssignmentAck;
import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.proto.agent.v1.Drain;
import dev.meridian.proto.agent.v1.Heartbeat;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.agent.v1.Resources;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The agent's one outbound stream to cluster-router. Reconnects with exponential backoff and full
 * jitter; on every (re)connect it says hello with the attempts it still runs, so the router can
 * reconcile; heartbeats at the interval the router asks for.
 */
public final class RouterConnection implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RouterConnection.class);
  static final String VERSION = "0.1.0";

  private final ManagedChannel channel;
  private final TaskBackend backend;
  private final KafkaAttemptReporter reporter;
  private final AgentIdentity identity;
  private final Capacity total;
  private final Map<String, String> labels;
  private final String token;
  private final String routerTarget;
  private final Duration maxBackoff;
  /** What each assigned attempt requested, so heartbeats can say what is free. */
  private final Map<String, Resources> requests = new ConcurrentHashMap<>();
  private final AtomicReference<StreamObserver<AgentMessage>> current = new AtomicReference<>();
  private volatile boolean running;
  private volatile Duration heartbeatInterval = Duration.ofSeconds(2);
  private Thread loop;
  private final Thread.Builder threads;
  private volatile Duration drainTimeout = Duration.ZERO;
  private volatile java.util.function.Consumer<dev.meridian.proto.agent.v1.Assignment> onAssignment = assignment -> { };

  public RouterConnection(ManagedChannel channel, TaskBackend backend, KafkaAttemptReporter reporter, AgentIdentity identity,
      String token, String routerTarget, Capacity total, Map<String, String> labels, Duration maxBackoff) {
    this(channel, backend, reporter, identity, token, routerTarget, total, labels, maxBackoff, Thread.ofPlatform().name("router-connection"));
  }

  /**
   * @param threads builds the connection and heartbeat threads: platform threads in the agent (the
   *     connection thread keeps the JVM alive), virtual ones when a load test runs hundreds of agents in one JVM
   */
  public RouterConnection(ManagedChannel channel, TaskBackend backend, KafkaAttemptReporter reporter, AgentIdentity identity,
      String token, String routerTarget, Capacity total, Map<String, String> labels, Duration maxBackoff, Thread.Builder threads) {
    this.threads = threads;
    this.channel = channel;
    this.backend = backend;
    this.reporter = reporter;
    this.identity = identity;
    this.token = token;
    this.routerTarget = routerTarget;
    this.total = total;
    this.labels = Map.copyOf(labels);
    this.maxBackoff = maxBackoff;
  }

  @Override
  public void start() {
    running = true;
    loop = threads.start(this::connectForever);
    Thread.ofVirtual().name("heartbeat").start(this::heartbeatForever);
  }

  private void connectForever() {
    int failures = 0;
    while (running) {
      CountDownLatch closed = new CountDownLatch(1);
      boolean[] welcomed = {false};
      StreamObserver<AgentMessage> out = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
        @Override
        public void onNext(RouterMessage message) {
          switch (message.getKindCase()) {
            case WELCOME -> {
              welcomed[0] = true;
              var welcome = message.getWelcome();
              if (welcome.getHeartbeatInterval().getSeconds() > 0) {
                heartbeatInterval = Duration.ofSeconds(welcome.getHeartbeatInterval().getSeconds());
              }
              identity.welcome(new AgentIdentity.Current(welcome.getCluster(), welcome.getClusterName(), welcome.getOrg(),
                  welcome.getEventSigningKeyId(), welcome.getEventSigningKey().toByteArray()));
              log.info("connected to cluster-router at {} as cluster {} ({}) of org {}", routerTarget, welcome.getClusterName(),
                  welcome.getCluster(), welcome.getOrg());
            }
            case ASSIGNMENT -> {
              var assignment = message.getAssignment();
              onAssignment.accept(assignment);
              boolean fresh = !backend.running().contains(assignment.getAttemptId());
              if (fresh) {
                requests.put(assignment.getAttemptId(), assignment.getTask().getResources());
                reporter.assigned(assignment);
              }
              send(AgentMessage.newBuilder().setAck(AssignmentAck.newBuilder().setAttemptId(assignment.getAttemptId())).build());
              if (fresh && assignment.getSecretsGrantId().isEmpty()) {
                backend.start(assignment);
              } else if (fresh) {
                Thread.ofVirtual().name("secrets-" + assignment.getAttemptId()).start(() -> startWithSecrets(assignment));
              }
            }
            case CANCEL -> backend.cancel(message.getCancel().getAttemptId(), message.getCancel().getReason());
            default -> log.warn("ignoring empty router message");
          }
        }

        @Override
        public void onError(Throwable t) {
          if (Status.fromThrowable(t).getCode() == Status.Code.UNAUTHENTICATED) {
            log.error("cluster-router at {} refused this agent's cluster token: {}. Check meridian.agent.token "
                + "(shown once when the cluster was registered); retrying.", routerTarget, Status.fromThrowable(t).getDescription());
          } else {
            log.warn("stream to cluster-router at {} broke: {}", routerTarget, t.getMessage());
          }
          closed.countDown();
        }

        @Override
        public void onCompleted() {
          closed.countDown();
        }
      });
      current.set(out);
      send(AgentMessage.newBuilder().setHello(Hello.newBuilder()
          .setToken(token)
          .setAgentVersion(VERSION)
          .putAllLabels(labels)
          .setCapacity(total)
          .addAllKnownAttemptIds(backend.running())).build());
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      current.compareAndSet(out, null);
      failures = welcomed[0] ? 1 : failures + 1;
      sleep(backoff(failures));
    }
  }

  /** How long a stopping agent waits for its running attempts (0: not at all; a Kubernetes agent's Pods outlive it anyway). */
  public RouterConnection drainTimeout(Duration timeout) {
    this.drainTimeout = timeout;
    return this;
  }

  /** Observes every assignment as it arrives (the load harness measures latency with it). */
  public void onAssignment(java.util.function.Consumer<dev.meridian.proto.agent.v1.Assignment> observer) {
    this.onAssignment = observer;
  }

  /** Full jitter: uniformly up to min(max, 200 ms · 2^failures). */
  Duration backoff(int failures) {
    long cap = Math.min(maxBackoff.toMillis(), 200L << Math.min(failures, 16));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
  }

  private void heartbeatForever() {
    while (running) {
      sleep(heartbeatInterval);
      Set<String> running = backend.running();
      requests.keySet().retainAll(running);
      send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
          .setFree(free(running)).addAllKnownAttemptIds(running)).build());
    }
  }

  /**
   * Redeems the attempt's secrets grant at the router, just before the attempt starts. If the
   * secrets cannot be had (the broker is down, the grant expired), the attempt is reported lost:
   * the router assigns it again with a fresh grant, without spending the task's retries.
   */
  private void startWithSecrets(Assignment assignment) {
    AttemptSecrets secrets;
    try {
      var redeemed = AgentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
          .redeemSecrets(RedeemSecretsRequest.newBuilder().setToken(token).setAttemptId(assignment.getAttemptId())
              .setGrantId(assignment.getSecretsGrantId()).build());
      secrets = new AttemptSecrets(redeemed.getSecretsList().stream()
          .map(secret -> new AttemptSecrets.Value(SecretMessages.mount(secret.getMount()), secret.getValue())).toList());
    } catch (io.grpc.StatusRuntimeException e) {
      log.warn("could not redeem the secrets of attempt {}: {}", assignment.getAttemptId(), e.getStatus());
      reporter.lost(assignment, "its secrets could not be redeemed (" + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription() + "); it will be assigned again with a new grant");
      return;
    }
    backend.start(assignment, secrets);
  }

  /** Total capacity minus what the running attempts requested. */
  private Capacity free(Set<String> running) {
    var free = ResourceMessages.capacity(total);
    Map<String, Resources> known = backend.runningRequests();
    for (String attempt : running) {
      Resources request = requests.getOrDefault(attempt, known.get(attempt));
      if (request != null) {
        free = free.minus(ResourceMessages.request(request));
      }
    }
    return ResourceMessages.toMessage(free);
  }

  private void send(AgentMessage message) {
    StreamObserver<AgentMessage> out = current.get();
    if (out == null) {
      return;
    }
    synchronized (this) {
      try {
        out.onNext(message);
      } catch (RuntimeException e) {
        log.debug("could not send to cluster-router: {}", e.getMessage());
      }
    }
  }

  private void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Drains first: tells the router to place nothing new here and gives running attempts up to
   * {@code drainTimeout} to finish, then closes the stream.
   */
  @Override
  public void stop() {
    send(AgentMessage.newBuilder().setDrain(Drain.newBuilder().setReason("the agent is shutting down")).build());
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (!backend.running().isEmpty() && System.nanoTime() < deadline) {
      sleep(Duration.ofMillis(200));
    }
    running = false;
    StreamObserver<AgentMessage> out = current.getAndSet(null);
    if (out != null) {
      synchronized (this) {
        out.onCompleted();
      }
    }
    if (loop != null) {
      loop.interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
