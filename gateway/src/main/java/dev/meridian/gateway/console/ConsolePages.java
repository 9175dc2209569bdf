package dev.meridian.gateway.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The console's pages: static HTML and a little script that call the public API with the person's
 * access token (authorization code + PKCE against the authorization server behind {@code /oauth2}).
 * {@code /} is the org home page; the rest are the steps of signing up and joining.
 */
@Configuration(proxyBeanMethods = false)
class ConsolePages implements WebMvcConfigurer {

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addViewController("/console/callback").setViewName("forward:/index.html");
    registry.addViewController("/signup").setViewName("forward:/signup.html");
    registry.addViewController("/signup/confirm").setViewName("forward:/confirm.html");
    registry.addViewController("/invitations/accept").setViewName("forward:/accept.html");
  }
}
