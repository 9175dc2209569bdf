package dev.meridian.agent.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a task of the process backend runs as. An agent running as root (the local stack on a
 * machine like ours) runs each org's tasks under a user id of that org's own, with no capabilities
 * and no way to gain any ({@code setpriv}): a task cannot read the agent's or the services'
 * environment ({@code /proc/<pid>/environ}), their {@code 0600} files, or another org's working
 * directories. Otherwise tasks run as the agent's user, and the shared cluster is no boundary
 * between orgs (docs/security.md).
 */
final class TaskIsolation {

  private static final Logger log = LoggerFactory.getLogger(TaskIsolation.class);
  /** Org user ids come from here upwards: far above any account a system or a person has. */
  private static final int FIRST_UID = 1_000_000;
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private final boolean enabled;

  private TaskIsolation(boolean enabled) {
    this.enabled = enabled;
  }

  /** Isolating when this process is root, {@code setpriv} exists and other users can reach {@code workDir}. */
  static TaskIsolation detect(Path workDir) {
    Optional<String> obstacle = obstacle(workDir.toAbsolutePath());
    if (obstacle.isPresent()) {
      log.warn("tasks run as the agent's own user, with no isolation between orgs: {}", obstacle.get());
      return new TaskIsolation(false);
    }
    log.info("each org's tasks run under a user id of their own (from {})", FIRST_UID);
    return new TaskIsolation(true);
  }

  private static Optional<String> obstacle(Path workDir) {
    try {
      if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
        return Optional.of("the agent does not run as root");
      }
      if (!Files.isExecutable(SETPRIV)) {
        return Optional.of(SETPRIV + " is missing (util-linux)");
      }
      for (Path dir = workDir.getParent(); dir != null; dir = dir.getParent()) {
        if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return Optional.of(dir + " is not traversable by other users");
        }
      }
      return Optional.empty();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.of("cannot tell (" + e + ")");
    }
  }

  boolean enabled() {
    return enabled;
  }

  /**
   * The user (and group) id of {@code org}'s tasks: stable, derived from the org's name over some
   * two billion ids, so two orgs share one only as often as 31 bits of SHA-256 collide.
   */
  static int uidOf(String org) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(org.getBytes(StandardCharsets.UTF_8));
      int bits = ((digest[0] & 0x3f) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
      return FIRST_UID + Math.floorMod(bits, Integer.MAX_VALUE - FIRST_UID);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The command as {@code org}'s user (no supplementary groups, no capabilities, no new privileges),
   * appending its output to {@code log}: the log is opened by that user, so a link a task planted
   * there can never make the agent write somewhere as root.
   */
  List<String> command(String org, List<String> command, Path log) {
    if (!enabled) {
      return command;
    }
    int uid = uidOf(org);
    List<String> wrapped = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
        "--inh-caps=-all", "--no-new-privs", "--", "/bin/sh", "-c", "exec >>\"$0\" 2>&1 && exec \"$@\"", log.toString()));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Directories above the attempts': the agent's; others may pass through them, never list or change them. */
  java.nio.file.attribute.FileAttribute<?> parentDirectories() {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(enabled ? "rwx--x--x" : "rwx------"));
  }

  /** The work directory: others may pass through it to their own directories, not list it. */
  void prepare(Path workDir) throws IOException {
    if (enabled) {
      Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwx--x--x"));
    }
  }

  /** Hands {@code path} (made by the agent) to {@code org}'s user. */
  void give(Path path, String org) throws IOException {
    if (enabled) {
      int uid = uidOf(org);
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }
  }
}
