package dev.meridian.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ResourceRequestTest {

  private static ResourceRequest parse(String json, List<Violation> violations) {
    return ResourceRequest.parse(JsonMapper.builder().build().readTree(json), "/resources", violations);
  }

  @Test
  void readsKubernetesQuantities() {
    List<Violation> violations = new ArrayList<>();

    assertThat(parse("{\"cpu\":\"500m\",\"memory\":\"2Gi\",\"gpu\":2,\"gpuType\":\"nvidia-h100\"}", violations))
        .isEqualTo(new ResourceRequest(500, 2048, 2, "nvidia-h100"));
    assertThat(parse("{\"cpu\":2,\"memory\":\"512Mi\"}", violations)).isEqualTo(new ResourceRequest(2000, 512, 0, null));
    assertThat(parse("{\"cpu\":\"0.25\",\"memory\":\"1G\"}", violations)).isEqualTo(new ResourceRequest(250, 954, 0, null));
    assertThat(violations).isEmpty();
  }

  @Test
  void defaultsWhenAbsent() {
    assertThat(parse("{}", new ArrayList<>())).isEqualTo(ResourceRequest.DEFAULT);
  }

  @Test
  void locatesBadQuantitiesAndAGpuWithoutAType() {
    List<Violation> violations = new ArrayList<>();

    parse("{\"cpu\":\"lots\",\"memory\":\"2Gb\",\"gpu\":1}", violations);

    assertThat(violations).extracting(Violation::pointer).containsExactly("/resources/cpu", "/resources/memory", "/resources/gpuType");
  }
}
