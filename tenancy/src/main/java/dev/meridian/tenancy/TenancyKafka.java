package dev.meridian.tenancy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Moves the {@link TenantContext} across Kafka records in the {@code meridian-org} and {@code meridian-execution-id} headers. */
public final class TenancyKafka {

  static final String ORG = "meridian-org";
  static final String EXECUTION = "meridian-execution-id";

  private TenancyKafka() {}

  public static void write(TenantContext tenant, Headers headers) {
    headers.remove(ORG).add(ORG, tenant.org().getBytes(StandardCharsets.UTF_8));
    headers.remove(EXECUTION);
    if (tenant.executionId() != null) {
      headers.add(EXECUTION, tenant.executionId().getBytes(StandardCharsets.UTF_8));
    }
  }

  public static Optional<TenantContext> read(Headers headers) {
    String org = text(headers.lastHeader(ORG));
    return org == null ? Optional.empty() : Optional.of(new TenantContext(org, text(headers.lastHeader(EXECUTION))));
  }

  private static String text(Header header) {
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
