package dev.meridian.identity;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits an internal call only from a service the deployment CA vouched for and that is on the
 * callee's list. The TLS handshake has checked the signature already (client authentication is
 * required); this names the peer and checks it may call, so a certificate issued to one service
 * cannot be used to call APIs meant for another.
 */
public final class ServiceCallers {

  private static final Logger log = LoggerFactory.getLogger(ServiceCallers.class);

  private ServiceCallers() {}

  /** Refuses calls without a verified peer certificate ({@code UNAUTHENTICATED}) or from a service not in {@code allowed}. */
  public static ServerInterceptor only(Set<String> allowed) {
    return only(allowed, Map.of());
  }

  /**
   * As {@link #only(Set)}, but the gRPC services named in {@code byService} (full service names)
   * answer only the callers listed for them there: one server can host APIs meant for different
   * callers.
   */
  public static ServerInterceptor only(Set<String> otherwise, Map<String, Set<String>> byService) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Set<String> allowed = byService.getOrDefault(call.getMethodDescriptor().getServiceName(), otherwise);
        Optional<String> peer = serviceName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (peer.isEmpty()) {
          log.warn("refused {} from {}: no service certificate", call.getMethodDescriptor().getFullMethodName(),
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
          call.close(Status.UNAUTHENTICATED.withDescription("internal API: present a service certificate of this deployment"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        if (!allowed.contains(peer.get())) {
          log.warn("refused {} from service {}: not one of {}", call.getMethodDescriptor().getFullMethodName(), peer.get(), allowed);
          call.close(Status.PERMISSION_DENIED.withDescription("service '" + peer.get() + "' may not call this API"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
  }

  /** The common name of the peer's verified certificate. */
  static Optional<String> serviceName(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return Optional.of(rdn.getValue().toString());
        }
      }
      return Optional.empty();
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return Optional.empty();
    }
  }
}
