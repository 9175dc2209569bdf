package dev.meridian.secrets;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class SecretsBrokerApplication {
  public static void main(String[] args) {
    SpringApplication.run(SecretsBrokerApplication.class, args);
  }
}
