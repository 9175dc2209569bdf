package dev.meridian.agent.backend;

import dev.meridian.proto.agent.v1.Assignment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A reporter that remembers what a backend told it, for backend tests. */
public final class RecordingReporter implements AttemptReporter {

  public record Report(String phase, Integer exitCode, String detail, List<String> logTail) {}

  public final List<Report> all = new CopyOnWriteArrayList<>();

  @Override public void initializing(Assignment a) { all.add(new Report("INITIALIZING", null, null, List.of())); }
  @Override public void running(Assignment a, String logsUri) { all.add(new Report("RUNNING", null, logsUri, List.of())); }
  @Override public void succeeded(Assignment a, String outputs, String logsUri) { all.add(new Report("SUCCEEDED", 0, outputs, List.of())); }
  @Override public void failed(Assignment a, Integer exitCode, String reason, List<String> tail, String logsUri) {
    all.add(new Report("FAILED", exitCode, reason, tail));
  }
  @Override public void aborted(Assignment a, String reason, String logsUri) { all.add(new Report("ABORTED", null, reason, List.of())); }
  @Override public void lost(Assignment a, String reason) { all.add(new Report("LOST", null, reason, List.of())); }

  public Report last() {
    return all.getLast();
  }
}
