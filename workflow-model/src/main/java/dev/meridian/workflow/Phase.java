package dev.meridian.workflow;

/**
 * Where an execution, or one of its nodes, is: the phases the API shows (API.md) and the router
 * records. Serialised by name, so the strings that earlier workflow histories carry read back as
 * these values.
 */
public enum Phase {
  /** Accepted, nothing running yet: waiting for admission, capacity or its upstream nodes. */
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  /** Terminated by a user, or stopped because the execution was. */
  ABORTED,
  /** A node only: it never ran because a node upstream did not succeed. */
  SKIPPED;

  public boolean terminal() {
    return this != QUEUED && this != RUNNING;
  }
}
