package dev.meridian.tenant.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {

  @Test
  void aLongPassphraseOfUncommonWordsIsAccepted() {
    assertThat(PasswordPolicy.problem("quiet meadow copper 7", List.of("acme"))).isEmpty();
  }

  @Test
  void aShortPasswordIsRefusedWithTheMinimumLength() {
    assertThat(PasswordPolicy.problem("Xy7!", List.of())).hasValue("use at least 10 characters");
  }

  @Test
  void aLongButGuessablePasswordIsRefusedWithAdvice() {
    assertThat(PasswordPolicy.problem("password1234", List.of())).hasValueSatisfying(problem ->
        assertThat(problem).startsWith("this password is too easy to guess"));
  }

  @Test
  void theOrgAndTheAddressCountAsKnownWords() {
    assertThat(PasswordPolicy.problem("acmecorp2026acmecorp", List.of("acmecorp", "acmecorp2026"))).isPresent();
  }
}
