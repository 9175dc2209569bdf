package dev.meridian.workflow;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What one attempt of a task needs, as a task's {@code resources} says it:
 * {@code {"cpu": "500m", "memory": "2Gi", "gpu": 1, "gpuType": "nvidia-h100"}}. Quantities use
 * Kubernetes' notation. Absent values default to 100m CPU, 128 MiB and no GPU.
 */
public record ResourceRequest(long milliCpu, long memoryMiB, int gpus, String gpuType) {

  public static final ResourceRequest DEFAULT = new ResourceRequest(100, 128, 0, null);

  private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([a-zA-Z]*)");
  private static final Map<String, BigDecimal> MEMORY_UNITS_IN_MIB = Map.of(
      "", new BigDecimal("0.00000095367431640625"), "Ki", new BigDecimal("0.0009765625"), "Mi", BigDecimal.ONE,
      "Gi", new BigDecimal(1024), "Ti", new BigDecimal(1024 * 1024),
      "k", new BigDecimal("0.0009536743164"), "M", new BigDecimal("0.95367431640625"), "G", new BigDecimal("953.67431640625"),
      "T", new BigDecimal("953674.31640625"));

  public ResourceRequest {
    if (milliCpu < 0 || memoryMiB < 0 || gpus < 0) {
      throw new IllegalArgumentException("resources must not be negative");
    }
    gpuType = gpuType == null || gpuType.isBlank() ? null : gpuType;
  }

  public static ResourceRequest parse(JsonNode resources, String pointer, List<Violation> violations) {
    if (resources == null || resources.isNull()) {
      return DEFAULT;
    }
    long cpu = quantity(resources.get("cpu"), pointer + "/cpu", violations, true).orElse(DEFAULT.milliCpu());
    long memory = quantity(resources.get("memory"), pointer + "/memory", violations, false).orElse(DEFAULT.memoryMiB());
    int gpus = 0;
    JsonNode gpu = resources.get("gpu");
    if (gpu != null && !gpu.isNull()) {
      if (!gpu.isIntegralNumber() || gpu.asInt() < 0 || gpu.asInt() > 64) {
        violations.add(new Violation(pointer + "/gpu", "gpu must be a whole number of GPUs from 0 to 64"));
      } else {
        gpus = gpu.asInt();
      }
    }
    String gpuType = resources.hasNonNull("gpuType") ? resources.get("gpuType").asString() : null;
    if (gpus > 0 && (gpuType == null || gpuType.isBlank())) {
      violations.add(new Violation(pointer + "/gpuType", "gpuType (e.g. \"nvidia-h100\") is required when gpu is set"));
    }
    return new ResourceRequest(cpu, memory, gpus, gpuType);
  }

  private static java.util.OptionalLong quantity(JsonNode value, String pointer, List<Violation> violations, boolean cpu) {
    if (value == null || value.isNull()) {
      return java.util.OptionalLong.empty();
    }
    String text = value.isNumber() ? value.asString() : value.isString() ? value.stringValue() : "";
    Matcher matcher = QUANTITY.matcher(text.trim());
    String example = cpu ? "\"500m\" or \"2\"" : "\"512Mi\" or \"2Gi\"";
    if (!matcher.matches()) {
      violations.add(new Violation(pointer, "'" + text + "' is not a quantity like " + example));
      return java.util.OptionalLong.empty();
    }
    BigDecimal amount = new BigDecimal(matcher.group(1));
    String unit = matcher.group(2);
    if (cpu) {
      if (unit.equals("m")) {
        return java.util.OptionalLong.of(amount.longValue());
      }
      if (unit.isEmpty()) {
        return java.util.OptionalLong.of(amount.multiply(new BigDecimal(1000)).longValue());
      }
    } else if (MEMORY_UNITS_IN_MIB.containsKey(unit)) {
      return java.util.OptionalLong.of(amount.multiply(MEMORY_UNITS_IN_MIB.get(unit)).setScale(0, java.math.RoundingMode.CEILING).longValue());
    }
    violations.add(new Violation(pointer, "'" + text + "' has an unknown unit; write it like " + example));
    return java.util.OptionalLong.empty();
  }

  /** {@code 1 × nvidia-h100, 500m CPU, 2048 MiB}. */
  public String describe() {
    String gpu = gpus > 0 ? gpus + " × " + gpuType + ", " : "";
    return gpu + milliCpu + "m CPU, " + memoryMiB + " MiB";
  }
}
