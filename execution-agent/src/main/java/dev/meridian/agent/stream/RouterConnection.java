package dev.meridian.agent.stream;

import dev.meridian.agent.AgentProperties;
import dev.meridian.agent.backend.TaskBackend;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.AssignmentAck;
import dev.meridian.proto.agent.v1.Capacity;
import dev.meridian.proto.agent.v1.Heartbeat;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RouterMessage;
import io.grpc.ManagedChannel;
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
  private final AgentProperties properties;
  private final AtomicReference<StreamObserver<AgentMessage>> current = new AtomicReference<>();
  private volatile boolean running;
  private volatile Duration heartbeatInterval = Duration.ofSeconds(2);
  private Thread loop;

  public RouterConnection(ManagedChannel channel, TaskBackend backend, KafkaAttemptReporter reporter, AgentProperties properties) {
    this.channel = channel;
    this.backend = backend;
    this.reporter = reporter;
    this.properties = properties;
  }

  @Override
  public void start() {
    running = true;
    loop = Thread.ofPlatform().name("router-connection").start(this::connectForever);
    Thread.ofPlatform().daemon().name("heartbeat").start(this::heartbeatForever);
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
              if (message.getWelcome().getHeartbeatInterval().getSeconds() > 0) {
                heartbeatInterval = Duration.ofSeconds(message.getWelcome().getHeartbeatInterval().getSeconds());
              }
              log.info("connected to cluster-router at {} as cluster {}", properties.routerTarget(), properties.cluster());
            }
            case ASSIGNMENT -> {
              var assignment = message.getAssignment();
              boolean fresh = !backend.running().contains(assignment.getAttemptId());
              if (fresh) {
                reporter.assigned(assignment);
              }
              send(AgentMessage.newBuilder().setAck(AssignmentAck.newBuilder().setAttemptId(assignment.getAttemptId())).build());
              if (fresh) {
                backend.start(assignment);
              }
            }
            case CANCEL -> backend.cancel(message.getCancel().getAttemptId(), message.getCancel().getReason());
            default -> log.warn("ignoring empty router message");
          }
        }

        @Override
        public void onError(Throwable t) {
          log.warn("stream to cluster-router at {} broke: {}", properties.routerTarget(), t.getMessage());
          closed.countDown();
        }

        @Override
        public void onCompleted() {
          closed.countDown();
        }
      });
      current.set(out);
      send(AgentMessage.newBuilder().setHello(Hello.newBuilder()
          .setOrg(properties.org())
          .setCluster(properties.cluster())
          .setAgentVersion(VERSION)
          .setCapacity(capacity())
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

  /** Full jitter: uniformly up to min(max, 200 ms · 2^failures). */
  Duration backoff(int failures) {
    long cap = Math.min(properties.reconnectMaxBackoff().toMillis(), 200L << Math.min(failures, 16));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
  }

  private void heartbeatForever() {
    while (running) {
      sleep(heartbeatInterval);
      send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
          .setFree(capacity()).addAllKnownAttemptIds(backend.running())).build());
    }
  }

  private Capacity capacity() {
    return Capacity.newBuilder().setTaskSlots(Math.max(0, properties.taskSlots() - backend.running().size())).build();
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

  @Override
  public void stop() {
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
