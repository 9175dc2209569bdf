package dev.meridian.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Properties(1000, 10, Duration.ofMinutes(10), 20, 5));

  @Test
  void anEmailAddressGetsFiveSignUpsAnHourAndOthersAreUnaffected() {
    IntStream.range(0, 5).forEach(i -> assertThat(throttle.admitSignUp("10.0.0.1", "a@example.com")).isEmpty());

    assertThat(throttle.admitSignUp("10.0.0.2", "A@example.com")).hasValueSatisfying(refused -> {
      assertThat(refused.detail()).contains("look for the confirmation e-mail");
      assertThat(refused.retryAfterSeconds()).isPositive();
    });
    assertThat(throttle.admitSignUp("10.0.0.1", "b@example.com")).isEmpty();
  }

  @Test
  void anAddressGetsTwentySignUpsAnHourWhateverTheEmail() {
    IntStream.range(0, 20).forEach(i -> assertThat(throttle.admitSignUp("10.0.0.3", "person" + i + "@example.com")).isEmpty());

    assertThat(throttle.admitSignUp("10.0.0.3", "another@example.com")).isPresent();
    assertThat(throttle.admitSignUp("10.0.0.4", "another@example.com")).isEmpty();
  }

  @Test
  void tenWrongPasswordsLockTheAccountFromEveryAddressButNotOthers() {
    IntStream.range(0, 10).forEach(i -> {
      assertThat(throttle.admitLogin("10.0.1." + i, "victim@example.com")).isEmpty();
      throttle.loginFailed("victim@example.com");
    });

    assertThat(throttle.admitLogin("10.0.2.1", "Victim@example.com")).isPresent();
    assertThat(throttle.admitLogin("10.0.2.1", "someone@example.com")).isEmpty();
  }
}
