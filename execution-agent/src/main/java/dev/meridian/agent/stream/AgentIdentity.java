package dev.meridian.agent.stream;

/**
 * Who this agent is, as the router said in its welcome: the cluster id every task event carries and
 * the key events are signed with. Both change with every stream; the latest welcome wins.
 */
public final class AgentIdentity {

  public record Current(String clusterId, String clusterName, String org, String keyId, byte[] key) {}

  private volatile Current current;

  void welcome(Current welcomed) {
    this.current = welcomed;
  }

  /** Empty until the first welcome: nothing is assigned before it either. */
  public java.util.Optional<Current> current() {
    return java.util.Optional.ofNullable(current);
  }
}
