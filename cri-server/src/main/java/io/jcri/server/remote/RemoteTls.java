package io.jcri.server.remote;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.util.CertificateUtils;
import io.jcri.server.config.JcriConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * The remote listener's TLS: its certificate and key, and the {@link ClientPolicy} (client CAs and allowed
 * subjects) of the configuration last loaded, kept as one unit: {@link #reload} builds a whole new server context
 * (with its own session cache and ticket keys, so sessions of before the reload cannot be resumed) and policy, then
 * swaps both in at once; a file that cannot be used changes nothing.
 */
final class RemoteTls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** What one configuration makes: the context new connections get, and the policy every call is checked by. */
    private record Material(SslContext context, ClientPolicy policy) {
    }

    private volatile Material current;

    private RemoteTls(Material current) {
        this.current = current;
    }

    /** Reads the files {@code remote} names; a file that cannot be used fails with its key and path. */
    static RemoteTls load(JcriConfig.Remote remote) throws IOException {
        return new RemoteTls(material(remote));
    }

    /** Reads the certificate, key, client CA and allowed subjects again; see the class. */
    void reload(JcriConfig.Remote remote) throws IOException {
        current = material(remote);
    }

    /** The policy of the configuration in force. */
    ClientPolicy policy() {
        return current.policy();
    }

    /** The server context: each new connection gets an engine of the configuration in force. */
    SslContext serverContext() {
        return new Switching();
    }

    private static Material material(JcriConfig.Remote remote) throws IOException {
        try {
            X509Certificate[] chain = certificates("remote.tls_cert_file", remote.tlsCertFile());
            PrivateKey key;
            try (InputStream in = Files.newInputStream(Path.of(remote.tlsKeyFile()))) {
                key = CertificateUtils.getPrivateKey(in);
            }
            requireMatch(chain[0], key);
            ClientPolicy policy = ClientPolicy.of(certificates("remote.client_ca_file", remote.clientCaFile()),
                    remote.allowedSubjects());
            SslContext context = GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain), SslProvider.JDK)
                    .trustManager(new RefusalLog(policy))
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOLS)
                    .build();
            return new Material(context, policy);
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new IOException("remote TLS from remote.tls_cert_file " + remote.tlsCertFile()
                    + ", remote.tls_key_file " + remote.tlsKeyFile() + " and remote.client_ca_file "
                    + remote.clientCaFile() + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] certificates(String key, String file) throws IOException,
            GeneralSecurityException {
        X509Certificate[] certs;
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            certs = CertificateUtils.getX509Certificates(in);
        }
        if (certs.length == 0) {
            throw new CertificateException(key + " " + file + " holds no PEM certificate");
        }
        return certs;
    }

    /** A key that does not belong to the certificate would fail every handshake; it is refused up front. */
    private static void requireMatch(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "jcri key check".getBytes(StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        verify.initVerify(cert.getPublicKey());
        verify.update(probe);
        if (!verify.verify(signature)) {
            throw new GeneralSecurityException("the key does not belong to the certificate");
        }
    }

    /** The listener's one context, answering each new connection with the context of the moment. */
    private final class Switching extends SslContext {
        @Override
        public boolean isClient() {
            return false;
        }

        @Override
        public List<String> cipherSuites() {
            return current.context().cipherSuites();
        }

        @Override
        public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
            return current.context().applicationProtocolNegotiator();
        }

        @Override
        public SSLEngine newEngine(ByteBufAllocator alloc) {
            return current.context().newEngine(alloc);
        }

        @Override
        public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
            return current.context().newEngine(alloc, peerHost, peerPort);
        }

        @Override
        public SSLSessionContext sessionContext() {
            return current.context().sessionContext();
        }
    }
}
