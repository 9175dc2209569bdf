package dev.meridian.router.placement;

import dev.meridian.workflow.Capacity;
import java.util.Map;

/**
 * One cluster as placement sees it. {@code draining}: its agent said it is going away. {@code total} is null until its agent first said hello;
 * {@code free} is what the agent last reported minus what was assigned since.
 */
public record ClusterView(String id, String name, Map<String, String> labels, boolean connected, boolean healthy,
    boolean cordoned, boolean draining, Capacity total, Capacity free) {

  public ClusterView {
    labels = Map.copyOf(labels);
  }
}
