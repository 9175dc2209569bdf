package dev.meridian.gateway.throttle;

import dev.meridian.gateway.api.Refusal;
import dev.meridian.gateway.infra.RestErrors;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The first filter of every request: a body over the limit is {@code 413}. A declared length is
 * checked before anything is read; a chunked body is read up to one byte past the limit, no further,
 * and then handed on from memory.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class BodyLimitFilter extends OncePerRequestFilter {

  private final BodyLimits limits;

  BodyLimitFilter(BodyLimits limits) {
    this.limits = limits;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = request.getRequestURI();
    boolean form = path.equals("/oauth2/token") || path.equals("/login");
    long limit = (form ? limits.forms() : limits.api()).toBytes();
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      tooLarge(limit, request, response);
      return;
    }
    if (declared >= 0 || !hasBody(request)) {
      chain.doFilter(new Bounded(request, request.getInputStream(), limit), response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes((int) limit + 1);
    if (body.length > limit) {
      tooLarge(limit, request, response);
      return;
    }
    chain.doFilter(new Bounded(request, new ByteArrayInputStream(body), limit), response);
  }

  private static boolean hasBody(HttpServletRequest request) {
    return request.getHeader("Transfer-Encoding") != null;
  }

  private static void tooLarge(long limit, HttpServletRequest request, HttpServletResponse response) throws IOException {
    response.setHeader("Connection", "close");
    RestErrors.write(new Refusal.TooLarge("the request body is larger than " + limit + " bytes, the limit of " + request.getRequestURI()),
        request, response);
  }

  /** A request whose body stream ends at the limit, even if the client sent more than it declared. */
  private static final class Bounded extends HttpServletRequestWrapper {
    private final ServletInputStream stream;

    Bounded(HttpServletRequest request, java.io.InputStream body, long limit) {
      super(request);
      java.io.InputStream bounded = new java.io.FilterInputStream(body) {
        private long remaining = limit;

        @Override
        public int read() throws IOException {
          if (remaining <= 0) {
            return -1;
          }
          int b = super.read();
          remaining -= b < 0 ? 0 : 1;
          return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
          if (remaining <= 0) {
            return -1;
          }
          int n = super.read(buffer, offset, (int) Math.min(length, remaining));
          remaining -= Math.max(n, 0);
          return n;
        }
      };
      this.stream = new ServletInputStream() {
        @Override
        public int read() throws IOException {
          return bounded.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
          return bounded.read(buffer, offset, length);
        }

        @Override
        public boolean isFinished() {
          return false;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("synchronous reads only");
        }
      };
    }

    @Override
    public ServletInputStream getInputStream() {
      return stream;
    }

    @Override
    public java.io.BufferedReader getReader() {
      return new java.io.BufferedReader(new java.io.InputStreamReader(stream, java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
