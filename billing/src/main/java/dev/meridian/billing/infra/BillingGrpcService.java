package dev.meridian.billing.infra;

import com.google.protobuf.Timestamp;
import dev.meridian.billing.invoice.Invoices;
import dev.meridian.billing.invoice.Pricing;
import dev.meridian.proto.billing.v1.BillingGrpc;
import dev.meridian.proto.billing.v1.ClosePeriodRequest;
import dev.meridian.proto.billing.v1.ClosePeriodResponse;
import dev.meridian.proto.billing.v1.GetInvoiceRequest;
import dev.meridian.proto.billing.v1.GetUsageRequest;
import dev.meridian.proto.billing.v1.GetUsageResponse;
import dev.meridian.proto.billing.v1.Invoice;
import dev.meridian.proto.billing.v1.InvoiceLine;
import dev.meridian.proto.billing.v1.ListInvoicesRequest;
import dev.meridian.proto.billing.v1.ListInvoicesResponse;
import dev.meridian.proto.billing.v1.Price;
import dev.meridian.proto.billing.v1.SetPriceRequest;
import dev.meridian.proto.billing.v1.UsageRow;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import org.springframework.stereotype.Service;

/** The gateway's door: an org's usage and invoices, the operator's prices and period close. */
@Service
class BillingGrpcService extends BillingGrpc.BillingImplBase {

  private final Invoices invoices;

  BillingGrpcService(Invoices invoices) {
    this.invoices = invoices;
  }

  @Override
  public void getUsage(GetUsageRequest request, StreamObserver<GetUsageResponse> response) {
    Invoices.GroupBy groupBy = Invoices.GroupBy.parse(request.getGroupBy()).orElseThrow(() -> Status.INVALID_ARGUMENT
        .withDescription("groupBy is project, day, hour, gpuType or cluster, not '" + request.getGroupBy() + "'").asRuntimeException());
    GetUsageResponse.Builder answer = GetUsageResponse.newBuilder().setCurrency(invoices.currency());
    invoices.usage(request.getOrg(), instant(request.getFrom()), instant(request.getTo()), groupBy).forEach(row -> answer.addRows(
        UsageRow.newBuilder().setKey(row.key()).putAllGpuMs(row.gpuMs()).setMillicoreMs(row.millicoreMs()).setMibMs(row.mibMs())
            .setCostMinor(row.costMinor())));
    response.onNext(answer.build());
    response.onCompleted();
  }

  @Override
  public void listInvoices(ListInvoicesRequest request, StreamObserver<ListInvoicesResponse> response) {
    ListInvoicesResponse.Builder answer = ListInvoicesResponse.newBuilder();
    invoices.list(request.getOrg()).forEach(invoice -> answer.addInvoices(message(invoice, false)));
    response.onNext(answer.build());
    response.onCompleted();
  }

  @Override
  public void getInvoice(GetInvoiceRequest request, StreamObserver<Invoice> response) {
    YearMonth period = period(request.getId());
    response.onNext(message(invoices.get(request.getOrg(), period).orElseThrow(() -> Status.NOT_FOUND
        .withDescription("no invoice " + request.getId()).asRuntimeException()), true));
    response.onCompleted();
  }

  @Override
  public void setPrice(SetPriceRequest request, StreamObserver<Price> response) {
    if (request.getUnitPriceMinor() < 0) {
      throw Status.INVALID_ARGUMENT.withDescription("unitPriceMinor must not be negative").asRuntimeException();
    }
    try {
      invoices.setPrice(request.getOrg(), request.getResource(), request.getUnitPriceMinor());
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    response.onNext(price(request.getOrg(), request.getResource(), request.getUnitPriceMinor()));
    response.onCompleted();
  }

  @Override
  public void closePeriod(ClosePeriodRequest request, StreamObserver<ClosePeriodResponse> response) {
    YearMonth period = period(request.getPeriod());
    int closed = switch (invoices.close(period)) {
      case Invoices.Closing.Closed done -> done.invoices();
      case Invoices.Closing.AlreadyClosed already -> 0;
      case Invoices.Closing.NotOver notOver -> throw Status.FAILED_PRECONDITION
          .withDescription(period + " is not over yet (it is " + notOver.current() + ")").asRuntimeException();
    };
    response.onNext(ClosePeriodResponse.newBuilder().setInvoices(closed).build());
    response.onCompleted();
  }

  private Price price(String org, String resource, long unitPriceMinor) {
    return Price.newBuilder().setOrg(org).setResource(resource).setUnitPriceMinor(unitPriceMinor)
        .setUnit(Pricing.unit(resource)).setCurrency(invoices.currency()).build();
  }

  private static Invoice message(Invoices.Invoice invoice, boolean withLines) {
    Invoice.Builder message = Invoice.newBuilder().setId(invoice.period().toString()).setOrg(invoice.org())
        .setPeriod(invoice.period().toString()).setStatus(invoice.status().name()).setTotalMinor(invoice.totalMinor())
        .setCurrency(invoice.currency());
    if (invoice.closedAt() != null) {
      message.setClosedAt(BillingConfig.timestamp(invoice.closedAt()));
    }
    if (withLines) {
      invoice.lines().forEach(line -> message.addLines(InvoiceLine.newBuilder().setProject(line.project()).setResource(line.resource())
          .setQuantity(line.quantity()).setQuantityHours(Pricing.hours(line.resource(), line.quantity()))
          .setUnit(Pricing.unit(line.resource())).setUnitPriceMinor(line.unitPriceMinor()).setAmountMinor(line.amountMinor())
          .setAdjustmentFor(line.adjustmentFor() == null ? "" : line.adjustmentFor().toString())));
    }
    return message.build();
  }

  private static YearMonth period(String text) {
    try {
      return YearMonth.parse(text);
    } catch (DateTimeParseException e) {
      throw Status.INVALID_ARGUMENT.withDescription("a period is yyyy-MM, not '" + text + "'").asRuntimeException();
    }
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
