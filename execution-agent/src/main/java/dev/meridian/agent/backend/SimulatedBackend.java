package dev.meridian.agent.backend;

import dev.meridian.proto.agent.v1.Assignment;
import dev.meridian.workflow.LiteralType;
import dev.meridian.workflow.TypedInterface;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Attempts that only pretend to run: each ends after a duration drawn uniformly from
 * {@code duration·(1±jitter)}, failing with probability {@code failureRate}, with outputs of the
 * declared types. No thread per attempt, so hundreds of simulated clusters fit in one JVM. A task
 * whose env sets {@value #FAIL_WHEN_INPUT} to one of its inputs fails whenever that input is
 * {@code true}: failures a test or a demo can choose item by item.
 */
public final class SimulatedBackend implements TaskBackend {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** A task env variable naming a boolean input: the attempt fails when it is true. */
  public static final String FAIL_WHEN_INPUT = "MERIDIAN_SIMULATE_FAILURE_WHEN";

  private final AttemptReporter reporter;
  private final ScheduledExecutorService scheduler;
  private final Duration duration;
  private final double jitter;
  private final double failureRate;
  private final Map<String, Sim> running = new ConcurrentHashMap<>();

  private record Sim(Assignment assignment, ScheduledFuture<?> end) {}

  public SimulatedBackend(AttemptReporter reporter, ScheduledExecutorService scheduler, Duration duration, double jitter, double failureRate) {
    this.reporter = reporter;
    this.scheduler = scheduler;
    this.duration = duration;
    this.jitter = Math.clamp(jitter, 0, 1);
    this.failureRate = Math.clamp(failureRate, 0, 1);
  }

  @Override
  public synchronized void start(Assignment assignment, AttemptSecrets secrets) {
    if (running.containsKey(assignment.getAttemptId())) {
      return;
    }
    reporter.initializing(assignment);
    reporter.running(assignment, "sim://" + assignment.getAttemptId());
    long millis = duration.toMillis();
    long delay = Math.max(1, Math.round(millis * (1 - jitter + 2 * jitter * ThreadLocalRandom.current().nextDouble())));
    running.put(assignment.getAttemptId(), new Sim(assignment, scheduler.schedule(() -> finish(assignment), delay, TimeUnit.MILLISECONDS)));
  }

  private void finish(Assignment assignment) {
    if (running.remove(assignment.getAttemptId()) == null) {
      return;
    }
    String logs = "sim://" + assignment.getAttemptId();
    if (failsByChoice(assignment) || ThreadLocalRandom.current().nextDouble() < failureRate) {
      reporter.failed(assignment, 1, "simulated failure", List.of("simulated failure"), logs);
    } else {
      reporter.succeeded(assignment, outputs(assignment.getTask().getInterfaceJson()), logs);
    }
  }

  private static boolean failsByChoice(Assignment assignment) {
    String input = assignment.getTask().getEnvMap().get(FAIL_WHEN_INPUT);
    return input != null && !assignment.getInputsJson().isBlank() && JSON.readTree(assignment.getInputsJson()).path(input).asBoolean(false);
  }

  /** A value of every declared output's type. */
  static String outputs(String interfaceJson) {
    TypedInterface declared = TypedInterface.parse(JSON.readTree(interfaceJson.isBlank() ? "{}" : interfaceJson), "", new ArrayList<>());
    ObjectNode outputs = JSON.createObjectNode();
    declared.outputs().forEach((name, type) -> outputs.set(name, sample(type)));
    return JSON.writeValueAsString(outputs);
  }

  private static JsonNode sample(LiteralType type) {
    return switch (type) {
      case LiteralType.Simple simple -> switch (simple.scalar()) {
        case INTEGER -> JSON.getNodeFactory().numberNode(1);
        case FLOAT -> JSON.getNodeFactory().numberNode(1.0);
        case STRING -> JSON.getNodeFactory().stringNode("simulated");
        case BOOLEAN -> JSON.getNodeFactory().booleanNode(true);
        case DATETIME -> JSON.getNodeFactory().stringNode(Instant.EPOCH.toString());
        case DURATION -> JSON.getNodeFactory().stringNode("1s");
      };
      case LiteralType.Blob blob -> JSON.getNodeFactory().stringNode("sim://blob");
      case LiteralType.StructuredDataset dataset -> JSON.getNodeFactory().stringNode("sim://dataset");
      case LiteralType.Collection collection -> JSON.createArrayNode();
      case LiteralType.MapOf map -> JSON.createObjectNode();
      case LiteralType.Optional optional -> JSON.nullNode();
    };
  }

  @Override
  public void cancel(String attemptId, String reason) {
    Sim attempt = running.remove(attemptId);
    if (attempt != null && attempt.end().cancel(false)) {
      reporter.aborted(attempt.assignment(), reason, "sim://" + attemptId);
    }
  }

  @Override
  public void stop() {
    running.values().forEach(attempt -> attempt.end().cancel(false));
    running.clear();
  }

  @Override
  public Set<String> running() {
    return Set.copyOf(running.keySet());
  }
}
