package dev.meridian.devstack;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's SMTP server (GreenMail, in this process): every e-mail Meridian sends lands
 * here, and is also written to a text file under {@code <home>/mailbox/} so a person running
 * {@code ./meridian up} can open their sign-up confirmation. Nothing leaves the machine.
 */
public final class Mailbox implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Mailbox.class);
  private static final Pattern LINK = Pattern.compile("https?://\\S+\\?token=[A-Za-z0-9_-]+");

  private final GreenMail smtp;
  private final Path directory;
  private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "mailbox-writer");
    thread.setDaemon(true);
    return thread;
  });
  private int written;

  Mailbox(int port, Path directory) {
    this.directory = directory;
    this.smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    writer.scheduleWithFixedDelay(this::writeNew, 500, 500, TimeUnit.MILLISECONDS);
  }

  public int port() {
    return smtp.getSmtp().getPort();
  }

  public Path directory() {
    return directory;
  }

  /** Every message received so far, oldest first. */
  public List<MimeMessage> messages() {
    return Arrays.asList(smtp.getReceivedMessages());
  }

  /** The link in the newest message to {@code recipient}, if one arrived. */
  public Optional<String> latestLinkTo(String recipient) {
    List<MimeMessage> all = messages();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (recipient(all.get(i)).equalsIgnoreCase(recipient)) {
        Matcher link = LINK.matcher(text(all.get(i)));
        if (link.find()) {
          return Optional.of(link.group());
        }
      }
    }
    return Optional.empty();
  }

  private synchronized void writeNew() {
    List<MimeMessage> all = messages();
    try {
      Files.createDirectories(directory);
      for (; written < all.size(); written++) {
        MimeMessage message = all.get(written);
        String name = "%04d-%s.txt".formatted(written + 1, recipient(message).replaceAll("[^A-Za-z0-9@._-]", "_"));
        Files.writeString(directory.resolve(name), "To: " + recipient(message) + "\nSubject: " + message.getSubject() + "\n\n" + text(message));
      }
    } catch (IOException | MessagingException e) {
      // Logged, not thrown: a throw would end the scheduled writer for good. The next run retries.
      log.warn("cannot write mail to {}: {}", directory, e.getMessage());
    }
  }

  private static String text(MimeMessage message) {
    return GreenMailUtil.getBody(message).replace("=\r\n", "").replace("=3D", "=");
  }

  private static String recipient(MimeMessage message) {
    try {
      return message.getAllRecipients()[0].toString();
    } catch (MessagingException e) {
      throw new IllegalStateException("a message without a recipient", e);
    }
  }

  @Override
  public void close() {
    writer.shutdownNow();
    smtp.stop();
  }
}
