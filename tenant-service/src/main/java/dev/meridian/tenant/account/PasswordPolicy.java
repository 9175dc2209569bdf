package dev.meridian.tenant.account;

import com.nulabinc.zxcvbn.Strength;
import com.nulabinc.zxcvbn.Zxcvbn;
import java.util.List;
import java.util.Optional;

/**
 * Which passwords we accept: at least 10 characters and not guessable, as zxcvbn estimates it
 * (score 3 of 4: "safely unguessable: moderate protection from offline slow-hash scenario"), with
 * the org and the e-mail address counted as known words.
 */
final class PasswordPolicy {

  static final int MIN_LENGTH = 10;
  private static final int MAX_LENGTH = 200;
  private static final int MIN_SCORE = 3;
  private static final Zxcvbn ZXCVBN = new Zxcvbn();

  private PasswordPolicy() {}

  /** Empty when acceptable; otherwise what to do about it, in words a person can act on. */
  static Optional<String> problem(String password, List<String> knownWords) {
    if (password == null || password.isEmpty()) {
      return Optional.of("choose a password");
    }
    if (password.length() < MIN_LENGTH) {
      return Optional.of("use at least " + MIN_LENGTH + " characters");
    }
    if (password.length() > MAX_LENGTH) {
      return Optional.of("use at most " + MAX_LENGTH + " characters");
    }
    Strength strength = ZXCVBN.measure(password, knownWords.stream().filter(word -> word != null && !word.isBlank()).toList());
    if (strength.getScore() >= MIN_SCORE) {
      return Optional.empty();
    }
    String warning = strength.getFeedback().getWarning();
    List<String> suggestions = strength.getFeedback().getSuggestions();
    StringBuilder advice = new StringBuilder("this password is too easy to guess");
    if (warning != null && !warning.isBlank()) {
      advice.append(": ").append(warning.substring(0, 1).toLowerCase()).append(warning.substring(1).replaceAll("\\.$", ""));
    }
    if (!suggestions.isEmpty()) {
      advice.append(". ").append(String.join(" ", suggestions));
    } else {
      advice.append(". Add another word or two; uncommon words are better.");
    }
    return Optional.of(advice.toString());
  }
}
