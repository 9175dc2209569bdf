package dev.meridian.router;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class RouterApplication {
  public static void main(String[] args) {
    SpringApplication.run(RouterApplication.class, args);
  }

  /** Time for what decides by age outside workflows (workflows use Temporal's time); tests fix it. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}
