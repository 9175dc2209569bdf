package dev.meridian.agent.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The last lines of a task's log, read from the file's last {@link #WINDOW} bytes only, each line
 * cut to {@link #MAX_LINE} characters: a log of any size (or one enormous line) costs the agent the
 * same few kilobytes, and the task event that carries the tail stays small.
 */
public final class LogTail {

  static final int WINDOW = 64 * 1024;
  static final int MAX_LINE = 1_000;

  private LogTail() {}

  public static List<String> of(Path log, int lines) {
    try (SeekableByteChannel channel = Files.newByteChannel(log, java.nio.file.StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      long size = channel.size();
      int length = (int) Math.min(size, WINDOW);
      ByteBuffer buffer = ByteBuffer.allocate(length);
      channel.position(size - length);
      while (buffer.hasRemaining()) {
        if (channel.read(buffer) < 0) {
          break;
        }
      }
      List<String> all = new ArrayList<>(Arrays.asList(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).split("\n", -1)));
      if (!all.isEmpty() && all.getLast().isEmpty()) {
        all.removeLast();
      }
      if (size > length && all.size() > 1) {
        all.removeFirst();
      }
      return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
          .map(line -> line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "… (" + line.length() + " characters)" : line).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
