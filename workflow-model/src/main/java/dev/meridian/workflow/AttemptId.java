package dev.meridian.workflow;

/**
 * One attempt of one node of one execution. Its text, {@code execution/node/attempt}, is the key
 * of the attempt everywhere: admission ledger, attempt rows, agent assignments and task events.
 * An item of a map node is the node {@code node[item]}; attempts are numbered from 1.
 */
public record AttemptId(String executionId, String nodeId, int attempt) {

  @Override
  public String toString() {
    return executionId + "/" + nodeId + "/" + attempt;
  }
}
