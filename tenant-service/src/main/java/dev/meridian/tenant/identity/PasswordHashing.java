package dev.meridian.tenant.identity;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/** How secrets are hashed before they are stored: bcrypt, prefixed with its id so it can be changed later. */
@Configuration(proxyBeanMethods = false)
class PasswordHashing {

  @Bean
  PasswordEncoder passwordEncoder() {
    return PasswordEncoderFactories.createDelegatingPasswordEncoder();
  }
}
