package dev.meridian.tenant.account;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * E-mail that must not be lost: {@link #enqueue} writes it in the caller's transaction, and the
 * sender delivers it to the SMTP server afterwards, retrying until the server takes it. A crash
 * between the two sends it after the restart (at least once); several instances share the work.
 */
@Component
class MailOutbox {

  private static final Logger log = LoggerFactory.getLogger(MailOutbox.class);

  private record Mail(long id, String recipient, String subject, String body, int attempts) {}

  private final JdbcClient jdbc;
  private final JavaMailSender sender;
  private final AccountProperties properties;

  MailOutbox(JdbcClient jdbc, JavaMailSender sender, AccountProperties properties) {
    this.jdbc = jdbc;
    this.sender = sender;
    this.properties = properties;
  }

  void enqueue(String recipient, String subject, String body) {
    jdbc.sql("insert into mail_outbox (recipient, subject, body) values (:recipient, :subject, :body)")
        .param("recipient", recipient).param("subject", subject).param("body", body).update();
  }

  /** Sends what is waiting; a failed mail waits twice as long after each attempt (1 s, 2 s, ... up to 5 minutes). */
  @Scheduled(fixedDelayString = "${meridian.tenant.accounts.mail-poll:500ms}")
  void sendWaiting() {
    // Claimed for two minutes, so another instance (or this one after a crash) takes it only then.
    List<Mail> waiting = jdbc.sql("""
            update mail_outbox set next_attempt_at = now() + interval '2 minutes'
            where mail_id in (select mail_id from mail_outbox where sent_at is null and next_attempt_at <= now()
                              order by mail_id limit 50 for update skip locked)
            returning mail_id, recipient, subject, body, attempts
            """)
        .query((rs, row) -> new Mail(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5))).list();
    for (Mail mail : waiting) {
      SimpleMailMessage message = new SimpleMailMessage();
      message.setFrom(properties.mailFrom());
      message.setTo(mail.recipient());
      message.setSubject(mail.subject());
      message.setText(mail.body());
      try {
        sender.send(message);
        jdbc.sql("update mail_outbox set sent_at = now(), attempts = attempts + 1, last_error = null where mail_id = :id")
            .param("id", mail.id()).update();
        log.info("sent '{}' to {}", mail.subject(), mail.recipient());
      } catch (MailException e) {
        jdbc.sql("update mail_outbox set attempts = attempts + 1, last_error = :error, "
            + "next_attempt_at = now() + least(power(2, attempts), 300) * interval '1 second' where mail_id = :id")
            .param("id", mail.id()).param("error", String.valueOf(e.getMessage())).update();
        log.warn("could not send '{}' to {} (attempt {}), will retry: {}", mail.subject(), mail.recipient(), mail.attempts() + 1,
            e.getMessage());
      }
    }
  }
}
