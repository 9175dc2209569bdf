package dev.meridian.tenant.account;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param publicUrl      where people reach Meridian (the gateway): links in e-mails point there
 * @param mailFrom       the sender of Meridian's e-mail
 * @param signUpLinkTtl  how long a sign-up confirmation link works
 * @param invitationTtl  how long an invitation link works
 */
@ConfigurationProperties("meridian.tenant.accounts")
record AccountProperties(String publicUrl, String mailFrom, Duration signUpLinkTtl, Duration invitationTtl) {

  AccountProperties {
    publicUrl = publicUrl == null ? "http://127.0.0.1:8080" : publicUrl.replaceAll("/+$", "");
    mailFrom = mailFrom == null ? "Meridian <no-reply@meridian.local>" : mailFrom;
    signUpLinkTtl = signUpLinkTtl == null ? Duration.ofHours(24) : signUpLinkTtl;
    invitationTtl = invitationTtl == null ? Duration.ofDays(7) : invitationTtl;
  }
}
