package io.jcri.server.remote;

import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.jcri.cri.CriClients;
import io.jcri.server.DaemonStartException;
import io.jcri.server.config.JcriConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI services on TCP, for remote clients, with mutual TLS and nothing else: a client must present a
 * certificate that chains to {@code remote.client_ca_file} (and, with {@code remote.allowed_subjects}, carries an
 * allowed CN) or the handshake fails. The certificates are re-read by {@link #reload}.
 */
public final class RemoteListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteListener.class);
    /** How long a connection lives; each call is checked anyway, this bounds the streams of before a reload. */
    static final Duration MAX_CONNECTION_AGE = Duration.ofHours(1);
    static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofMinutes(1);

    private final Server server;
    private final RemoteTls tls;

    private RemoteListener(Server server, RemoteTls tls) {
        this.server = server;
        this.tls = tls;
    }

    /**
     * Binds {@code remote.address} and serves {@code services}, each wrapped in {@code interceptor} (the same one
     * as on the socket) and the remote call log.
     */
    public static RemoteListener start(JcriConfig.Remote remote, List<ServerServiceDefinition> services,
                                       ServerInterceptor interceptor, Executor executor) {
        RemoteTls tls;
        try {
            tls = RemoteTls.load(remote);
        } catch (IOException e) {
            throw new DaemonStartException(e.getMessage());
        }
        NettyServerBuilder builder = NettyServerBuilder.forAddress(socketAddress(remote.address()))
                .sslContext(tls.serverContext())
                .executor(executor)
                .maxInboundMessageSize(CriClients.MAX_MESSAGE_BYTES)
                .handshakeTimeout(10, TimeUnit.SECONDS)
                // a connection (and a stream in it) opened before a reload does not outlive its settings for long
                .maxConnectionAge(MAX_CONNECTION_AGE.toSeconds(), TimeUnit.SECONDS)
                .maxConnectionAgeGrace(MAX_CONNECTION_AGE_GRACE.toSeconds(), TimeUnit.SECONDS);
        RemoteCallLog log = new RemoteCallLog();
        CallCheck check = new CallCheck(tls::policy);
        for (ServerServiceDefinition s : services) {
            // the last interceptor runs first: a call is checked before it is logged and served
            builder.addService(ServerInterceptors.intercept(s, interceptor, log, check));
        }
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new DaemonStartException("remote.address " + remote.address() + ": cannot listen: "
                    + e.getMessage());
        }
        LOG.info("serving CRI v1 remotely on tcp://{} (mutual TLS; client CA {}{})", remote.address(),
                remote.clientCaFile(), remote.allowedSubjects().isEmpty() ? ""
                        : "; subjects " + remote.allowedSubjects());
        if (remote.allowedSubjects().isEmpty()) {
            LOG.warn("remote.allowed_subjects is empty: every certificate the client CA {} issued gets in",
                    remote.clientCaFile());
        }
        return new RemoteListener(server, tls);
    }

    /** Where {@code host:port} (an IPv6 host in brackets) points. */
    static InetSocketAddress socketAddress(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1)));
    }

    /** Re-reads the certificate, key, client CA and allowed subjects; the listener and its address stay. */
    public void reload(JcriConfig.Remote remote) throws IOException {
        tls.reload(remote);
        if (remote.allowedSubjects().isEmpty()) {
            LOG.warn("remote.allowed_subjects is empty: every certificate the client CA {} issued gets in",
                    remote.clientCaFile());
        }
    }

    /** The bound port (the configured one, or the one picked for port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /** Stops taking new calls; those in flight go on until {@link #close}. */
    public void shutdown() {
        server.shutdown();
    }

    /** Cancels the calls still running and waits (briefly) for the listener to be gone. */
    @Override
    public void close() {
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
