package dev.meridian.proto;

import dev.meridian.workflow.SecretMount;

/** A task's secret declarations on the wire: one translation each way, for registry, router, broker and agent. */
public final class SecretMessages {

  private SecretMessages() {}

  public static dev.meridian.proto.secrets.v1.SecretMount toMessage(SecretMount mount) {
    return dev.meridian.proto.secrets.v1.SecretMount.newBuilder().setName(mount.name())
        .setAsFile(mount.delivery() == SecretMount.Delivery.FILE)
        .setEnvVar(mount.envVar() == null ? "" : mount.envVar())
        .setMountPath(mount.mountPath() == null ? "" : mount.mountPath()).build();
  }

  public static SecretMount mount(dev.meridian.proto.secrets.v1.SecretMount message) {
    return new SecretMount(message.getName(), message.getAsFile() ? SecretMount.Delivery.FILE : SecretMount.Delivery.ENV,
        message.getEnvVar().isEmpty() ? null : message.getEnvVar(), message.getMountPath().isEmpty() ? null : message.getMountPath());
  }
}
