package dev.meridian.identity;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Targets naming several servers of one service, {@code host:port,host:port}: the routers of a
 * deployment without a load balancer in front (the local stack with several routers). A channel to
 * such a target spreads calls over the servers that answer (round robin) or, for an agent's single
 * stream, uses the first that answers and moves on when it goes away (pick first). TLS checks every
 * server against the first one's host name.
 */
final class AddressList extends NameResolverProvider {

  static final String SCHEME = "meridian-list";

  /** The channel target for {@code target}: itself unless it lists several servers. */
  static String target(String target) {
    return isList(target) ? SCHEME + ":///" + target : target;
  }

  static boolean isList(String target) {
    return target.contains(",");
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  /** Below DNS's 5: a plain {@code host:port} keeps meaning DNS. */
  @Override
  protected int priority() {
    return 1;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
    if (!SCHEME.equals(uri.getScheme())) {
      return null;
    }
    String[] servers = uri.getPath().substring(1).split(",");
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return servers[0].strip();
      }

      @Override
      public void start(Listener2 listener) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (String server : servers) {
          URI parsed = URI.create("//" + server.strip());
          if (parsed.getHost() == null || parsed.getPort() < 0) {
            listener.onError(Status.UNAVAILABLE.withDescription("'" + server + "' in " + uri + " is not host:port"));
            return;
          }
          groups.add(new EquivalentAddressGroup(new InetSocketAddress(parsed.getHost(), parsed.getPort())));
        }
        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
      }

      @Override
      public void shutdown() {}
    };
  }
}
