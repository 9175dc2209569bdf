package dev.meridian.router.usage;

import com.google.protobuf.Timestamp;
import dev.meridian.proto.router.v1.MeteredTotal;
import dev.meridian.proto.router.v1.MeteredTotalsRequest;
import dev.meridian.proto.router.v1.MeteredTotalsResponse;
import dev.meridian.proto.router.v1.MeteringGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import org.springframework.stereotype.Service;

/** Billing's door (and only billing's): what the router metered, for the reconciliation. */
@Service
class MeteringGrpcService extends MeteringGrpc.MeteringImplBase {

  private final UsageOutbox outbox;

  MeteringGrpcService(UsageOutbox outbox) {
    this.outbox = outbox;
  }

  @Override
  public void meteredTotals(MeteredTotalsRequest request, StreamObserver<MeteredTotalsResponse> response) {
    MeteredTotalsResponse.Builder answer = MeteredTotalsResponse.newBuilder();
    outbox.totals(instant(request.getEndedFrom()), instant(request.getEndedBefore())).forEach(total -> answer.addTotals(
        MeteredTotal.newBuilder().setOrg(total.org()).setGpuType(total.gpuType()).setGpuMs(total.gpuMs()).setRecords(total.records())));
    response.onNext(answer.build());
    response.onCompleted();
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
