package dev.meridian.tenant.directory;

import java.util.regex.Pattern;

/** What we accept as an e-mail address: something@domain.tld, without spaces, at most 254 characters. */
public final class EmailAddress {

  private static final Pattern VALID = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");

  private EmailAddress() {}

  public static boolean isValid(String address) {
    return address != null && address.length() <= 254 && VALID.matcher(address).matches();
  }
}
