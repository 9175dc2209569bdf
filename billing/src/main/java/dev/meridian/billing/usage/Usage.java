package dev.meridian.billing.usage;

/**
 * An amount of usage in exact integers: GPU-milliseconds, millicore-milliseconds (CPU),
 * MiB-milliseconds (memory). Never floating point; hours and money are derived at the edges.
 */
public record Usage(long gpuMs, long millicoreMs, long mibMs) {

  /** {@code gpus}, {@code milliCpu} and {@code memoryMiB} reserved for {@code millis}. */
  public static Usage of(int gpus, long milliCpu, long memoryMiB, long millis) {
    return new Usage(Math.multiplyExact(gpus, millis), Math.multiplyExact(milliCpu, millis), Math.multiplyExact(memoryMiB, millis));
  }

  public Usage plus(Usage other) {
    return new Usage(Math.addExact(gpuMs, other.gpuMs), Math.addExact(millicoreMs, other.millicoreMs), Math.addExact(mibMs, other.mibMs));
  }
}
