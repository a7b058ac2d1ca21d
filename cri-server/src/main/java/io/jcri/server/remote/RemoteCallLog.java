package io.jcri.server.remote;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs every call on the remote listener with the caller's address and its client certificate's subject. */
final class RemoteCallLog implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger("io.jcri.server.remote.calls");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        LOG.info("remote {} from {} subject {}", call.getMethodDescriptor().getBareMethodName(),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                subject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
        return next.startCall(call, headers);
    }

    static String subject(SSLSession session) {
        if (session == null) {
            return "(no TLS session)";
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x
                    ? x.getSubjectX500Principal().getName() : "(no certificate)";
        } catch (SSLPeerUnverifiedException e) {
            return "(unverified peer)";
        }
    }
}
