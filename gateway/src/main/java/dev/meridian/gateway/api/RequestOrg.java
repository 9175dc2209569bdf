package dev.meridian.gateway.api;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import java.util.Optional;

/** The org (and project, if any) a public gRPC request names: its {@code org} field, or its {@code scope}'s. */
public record RequestOrg(String org, String project) {

  public static Optional<RequestOrg> of(Message request) {
    String org = field(request, "org");
    String project;
    if (org == null && request.getDescriptorForType().findFieldByName("scope") instanceof Descriptors.FieldDescriptor scope
        && request.getField(scope) instanceof Message scoped) {
      org = field(scoped, "org");
      project = field(scoped, "project");
    } else {
      project = field(request, "project");
    }
    return org == null || org.isEmpty() ? Optional.empty()
        : Optional.of(new RequestOrg(org, project == null || project.isEmpty() ? null : project));
  }

  private static String field(Message message, String name) {
    Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    return field != null && field.getType() == Descriptors.FieldDescriptor.Type.STRING ? (String) message.getField(field) : null;
  }
}
