package dev.meridian.agent;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class AgentApplication {
  public static void main(String[] args) {
    SpringApplication.run(AgentApplication.class, args);
  }
}
