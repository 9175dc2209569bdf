package dev.meridian.tenant;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class TenantServiceApplication {
  public static void main(String[] args) {
    SpringApplication.run(TenantServiceApplication.class, args);
  }
}
