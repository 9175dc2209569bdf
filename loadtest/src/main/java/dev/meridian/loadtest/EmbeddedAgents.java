package dev.meridian.loadtest;

import dev.meridian.agent.backend.SimulatedBackend;
import dev.meridian.agent.events.KafkaAttemptReporter;
import dev.meridian.agent.stream.AgentIdentity;
import dev.meridian.agent.stream.RouterConnection;
import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.proto.agent.v1.Capacity;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** Simulated agents in this JVM: the real agent code (stream, backend, signed events), one per registered cluster. */
final class EmbeddedAgents implements AutoCloseable {

  private final List<RouterConnection> connections = new ArrayList<>();
  private final List<SimulatedBackend> backends = new ArrayList<>();

  EmbeddedAgents(List<String> tokens, ManagedChannel router, String routerTarget, Producer<String, byte[]> producer,
      ScheduledExecutorService scheduler, Duration taskDuration, Consumer<Assignment> onAssignment) {
    this(tokens, List.of(router), routerTarget, producer, scheduler, taskDuration, onAssignment);
  }

  /** Agent {@code i} connects through {@code routers.get(i % routers.size())}: the fleet spreads over several routers. */
  EmbeddedAgents(List<String> tokens, List<ManagedChannel> routers, String routerTarget, Producer<String, byte[]> producer,
      ScheduledExecutorService scheduler, Duration taskDuration, Consumer<Assignment> onAssignment) {
    Capacity capacity = Capacity.newBuilder().setMilliCpu(4000).setMemoryMib(8192).build();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      ManagedChannel router = routers.get(i % routers.size());
      AgentIdentity identity = new AgentIdentity();
      KafkaAttemptReporter reporter = new KafkaAttemptReporter(producer, "meridian.task-events.v1", identity);
      SimulatedBackend backend = new SimulatedBackend(reporter, scheduler, taskDuration, 0.2, 0.0);
      RouterConnection connection = new RouterConnection(router, backend, reporter, identity, token, routerTarget, capacity,
          Map.of(), Duration.ofSeconds(2), Thread.ofVirtual().name("agent"));
      connection.onAssignment(onAssignment);
      backends.add(backend);
      connections.add(connection);
      connection.start();
    }
  }

  @Override
  public void close() {
    connections.forEach(RouterConnection::stop);
    backends.forEach(SimulatedBackend::stop);
  }
}
