package io.jcri.server.remote;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call on the remote listener, before it runs: the client's certificate is checked against the policy in
 * force now (a reload that removed a subject or replaced the CA cuts off open connections and resumed sessions at
 * their next call), and the streaming calls are answered FAILED_PRECONDITION: their URLs name the streaming
 * server, which listens for local clients without client authentication.
 */
final class CallCheck implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger("io.jcri.server.remote.calls");
    private static final Set<String> STREAMING = Set.of("runtime.v1.RuntimeService/Exec",
            "runtime.v1.RuntimeService/Attach", "runtime.v1.RuntimeService/PortForward");

    private final Supplier<ClientPolicy> policy;

    CallCheck(Supplier<ClientPolicy> policy) {
        this.policy = policy;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        try {
            policy.get().check(peer(session));
        } catch (CertificateException e) {
            LOG.warn("remote: refused {} from {} subject {}: {}", call.getMethodDescriptor().getBareMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), RemoteCallLog.subject(session),
                    e.getMessage());
            call.close(Status.UNAUTHENTICATED.withDescription("the client certificate is not allowed in by the "
                    + "remote listener's settings in force: " + e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        if (STREAMING.contains(call.getMethodDescriptor().getFullMethodName())) {
            call.close(Status.FAILED_PRECONDITION.withDescription(call.getMethodDescriptor().getBareMethodName()
                    + " is not served to remote clients: the streaming server answers local clients only"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    private static X509Certificate[] peer(SSLSession session) throws CertificateException {
        if (session == null) {
            throw new CertificateException("no TLS session");
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return Arrays.stream(chain).map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            throw new CertificateException("no verified client certificate", e);
        }
    }
}
