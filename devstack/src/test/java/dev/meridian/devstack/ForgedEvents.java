package dev.meridian.devstack;

import com.google.protobuf.ByteString;
import dev.meridian.proto.agent.v1.AgentMessage;
import dev.meridian.proto.agent.v1.AgentServiceGrpc;
import dev.meridian.proto.agent.v1.Hello;
import dev.meridian.proto.agent.v1.RouterMessage;
import dev.meridian.proto.agent.v1.Welcome;
import dev.meridian.proto.events.v1.SignedTaskEvent;
import dev.meridian.proto.events.v1.TaskEvent;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What a malicious agent does: open the agent stream with a cluster token, sign and send task events. */
final class ForgedEvents {

  private ForgedEvents() {}

  /** An agent stream opened with {@code token}, claiming to run {@code knownAttempts}. */
  record Stream(Welcome welcome, StreamObserver<AgentMessage> out, List<RouterMessage> received) {}

  static Stream connectAs(ManagedChannel channel, String token, List<String> knownAttempts) throws Exception {
    CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    List<RouterMessage> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    StreamObserver<AgentMessage> out = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
      @Override public void onNext(RouterMessage message) {
        received.add(message);
        if (message.hasWelcome()) welcome.complete(message.getWelcome());
      }
      @Override public void onError(Throwable t) { welcome.completeExceptionally(t); }
      @Override public void onCompleted() { }
    });
    out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setToken(token).setAgentVersion("forger")
        .addAllKnownAttemptIds(knownAttempts)).build());
    return new Stream(welcome.get(20, TimeUnit.SECONDS), out, received);
  }

  static Welcome connectAs(ManagedChannel channel, String token) throws Exception {
    return connectAs(channel, token, List.of()).welcome();
  }

  static byte[] signed(TaskEvent event, Welcome welcome) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(welcome.getEventSigningKey().toByteArray(), "HmacSHA256"));
    return SignedTaskEvent.newBuilder().setEvent(event.toByteString()).setKeyId(welcome.getEventSigningKeyId())
        .setSignature(ByteString.copyFrom(mac.doFinal(event.toByteArray()))).build().toByteArray();
  }

  static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>("meridian.task-events.v1", key, value)).get(10, TimeUnit.SECONDS);
  }

  static double rejectedEvents(LocalStack stack) {
    var response = new MeridianClient(stack.routerMetricsUrl().replace("/actuator/metrics", "")).get("/actuator/metrics/meridian.router.task_events.rejected");
    return response.status() == 200 ? response.body().get("measurements").get(0).get("value").asDouble() : 0;
  }
}
