package dev.meridian.tenancy;

import java.util.Objects;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * Who a unit of work belongs to: the org always, the execution when there is one.
 *
 * <p>The current context lives in a thread-local and in the logging MDC (keys {@code org} and
 * {@code executionId}), so every log line written while it is open carries the tenant. Adapters in
 * this package move it across gRPC, Kafka and Temporal; nothing else should read or write the
 * MDC keys.
 */
public record TenantContext(String org, String executionId) {

  public static final String MDC_ORG = "org";
  public static final String MDC_EXECUTION = "executionId";

  private static final ThreadLocal<TenantContext> CURRENT = new ThreadLocal<>();

  public TenantContext {
    Objects.requireNonNull(org, "org");
    if (org.isBlank()) {
      throw new IllegalArgumentException("org must not be blank");
    }
    executionId = executionId == null || executionId.isBlank() ? null : executionId;
  }

  public static TenantContext ofOrg(String org) {
    return new TenantContext(org, null);
  }

  public static TenantContext ofExecution(String org, String executionId) {
    return new TenantContext(org, executionId);
  }

  public static Optional<TenantContext> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** Makes this context current until the returned scope is closed; scopes nest. */
  public Scope open() {
    TenantContext previous = CURRENT.get();
    install(this);
    return () -> install(previous);
  }

  private static void install(TenantContext context) {
    if (context == null) {
      CURRENT.remove();
      MDC.remove(MDC_ORG);
      MDC.remove(MDC_EXECUTION);
      return;
    }
    CURRENT.set(context);
    MDC.put(MDC_ORG, context.org());
    if (context.executionId() == null) {
      MDC.remove(MDC_EXECUTION);
    } else {
      MDC.put(MDC_EXECUTION, context.executionId());
    }
  }

  /** An open context; closing it restores the one that was current before. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
