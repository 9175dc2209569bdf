package dev.meridian.tenancy;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.context.ContextPropagator;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.HashMap;
import java.util.Map;

/**
 * Moves the {@link TenantContext} across Temporal: from the client that starts a workflow into the
 * workflow, and from the workflow into its activities. Register it on the {@code WorkflowClientOptions}.
 */
public final class TenancyTemporal implements ContextPropagator {

  private static final String ORG = "meridian-org";
  private static final String EXECUTION = "meridian-execution-id";

  @Override
  public String getName() {
    return "meridian-tenancy";
  }

  @Override
  public Map<String, Payload> serializeContext(Object context) {
    Map<String, Payload> payloads = new HashMap<>();
    if (context instanceof TenantContext tenant) {
      payloads.put(ORG, payload(tenant.org()));
      if (tenant.executionId() != null) {
        payloads.put(EXECUTION, payload(tenant.executionId()));
      }
    }
    return payloads;
  }

  @Override
  public Object deserializeContext(Map<String, Payload> header) {
    if (!header.containsKey(ORG)) {
      return null;
    }
    String execution = header.containsKey(EXECUTION) ? text(header.get(EXECUTION)) : null;
    return new TenantContext(text(header.get(ORG)), execution);
  }

  @Override
  public Object getCurrentContext() {
    return TenantContext.current().orElse(null);
  }

  @Override
  public void setCurrentContext(Object context) {
    if (context instanceof TenantContext tenant) {
      // Temporal calls this at the start of every workflow task and activity on a pooled thread;
      // the scope is deliberately left open until the next task replaces it.
      tenant.open();
    }
  }

  private static Payload payload(String value) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow();
  }

  private static String text(Payload payload) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class);
  }
}
