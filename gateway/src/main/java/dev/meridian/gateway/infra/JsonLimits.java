package dev.meridian.gateway.infra;

import org.springframework.boot.jackson.autoconfigure.JsonFactoryBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadConstraints;

/**
 * How deep a request's JSON may nest. Nothing in the API needs more than a few levels (a
 * collection of maps of structs); the parser stops at the limit, before building anything, and the
 * caller gets a {@code 422} ({@link RestErrors}).
 */
@Configuration(proxyBeanMethods = false)
class JsonLimits {

  static final int MAX_DEPTH = 64;

  @Bean
  JsonFactoryBuilderCustomizer requestNesting() {
    return factory -> factory.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
  }
}
