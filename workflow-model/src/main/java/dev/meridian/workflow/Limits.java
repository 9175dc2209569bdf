package dev.meridian.workflow;

/**
 * The documented maximums of a workflow and an execution (docs/workflows.md#limits). The gateway
 * refuses anything above them with a located 422; the router's engine relies on them.
 */
public final class Limits {

  /** Static nodes in one workflow; wider fan-outs belong in map tasks. */
  public static final int MAX_NODES = 10_000;
  /** Nodes of one execution running at once, whatever else {@code maxParallelism} asks for. */
  public static final int MAX_CONCURRENT_NODES = 1_000;
  /** Items one map node runs its task over. */
  public static final int MAX_MAP_ITEMS = 100_000;
  /** A map node's outputs, collected over all its items, as JSON: what one task may output too. */
  public static final int MAX_COLLECTED_OUTPUT_BYTES = 1024 * 1024;

  private Limits() {}
}
