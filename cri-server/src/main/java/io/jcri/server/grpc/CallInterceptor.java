package io.jcri.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps every CRI call: refuses calls with UNAVAILABLE until recovery is done, maps exceptions thrown by a
 * handler to a status through {@link StatusMapper}, and logs each call (method, ids, duration, status) at debug,
 * failures at warn; and records each call's latency (a histogram per method and status code) and errors.
 */
public final class CallInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger("io.jcri.server.calls");

    private final BooleanSupplier ready;
    private final MeterRegistry meters;
    /** The latency timer per method and status code, looked up once: a registry lookup per call costs more. */
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

    public CallInterceptor(BooleanSupplier ready, MeterRegistry meters) {
        this.ready = ready;
        this.meters = meters;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!ready.getAsBoolean()) {
            call.close(Status.UNAVAILABLE.withDescription("jcri is recovering its state; retry shortly"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        LoggedCall<Q, R> logged = new LoggedCall<>(call, method, meters, timers);
        ServerCall.Listener<Q> delegate;
        try {
            delegate = next.startCall(logged, headers);
        } catch (RuntimeException e) {
            logged.fail(e);
            return new ServerCall.Listener<>() { };
        }
        return new SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                logged.request = message;
                try {
                    super.onMessage(message);
                } catch (RuntimeException e) {
                    logged.fail(e);
                }
            }

            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    logged.fail(e);
                }
            }
        };
    }

    /** The string fields of a request that name objects (ids, image references), for the log line. */
    static String idsOf(Object message) {
        if (!(message instanceof Message m)) {
            return "";
        }
        StringJoiner j = new StringJoiner(" ");
        for (var e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated() && f.getName().endsWith("id")) {
                j.add(f.getName() + "=" + e.getValue());
            } else if (f.getName().equals("image") && e.getValue() instanceof Message spec) {
                spec.getAllFields().forEach((sf, v) -> {
                    if (sf.getName().equals("image")) {
                        j.add("image=" + v);
                    }
                });
            }
        }
        return j.toString();
    }

    private static final class LoggedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
        private final String method;
        private final MeterRegistry meters;
        private final ConcurrentMap<String, Timer> timers;
        private final long startNanos = System.nanoTime();
        /** The request, named in log lines only: its ids are read (by reflection) when a line is written. */
        volatile Object request;
        private boolean closed;

        LoggedCall(ServerCall<Q, R> delegate, String method, MeterRegistry meters,
                   ConcurrentMap<String, Timer> timers) {
            super(delegate);
            this.method = method;
            this.meters = meters;
            this.timers = timers;
        }

        void fail(Throwable t) {
            Status status = StatusMapper.toStatus(t);
            if (StatusMapper.isServerFault(status)) {
                LOG.error("{} {} failed", method, idsOf(request), t);
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            close(status, new Metadata());
        }

        @Override
        public void close(Status status, Metadata trailers) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            long nanos = System.nanoTime() - startNanos;
            long micros = nanos / 1000;
            timers.computeIfAbsent(method + " " + status.getCode(), k -> Timer.builder("jcri.cri.request")
                    .description("CRI call latency").tags("method", method, "code", status.getCode().name())
                    .publishPercentileHistogram().register(meters)).record(Duration.ofNanos(nanos));
            if (!status.isOk()) {
                Counter.builder("jcri.cri.errors").description("CRI calls that ended with an error status")
                        .tags("method", method, "code", status.getCode().name()).register(meters).increment();
            }
            if (status.isOk() || status.getCode() == Status.Code.NOT_FOUND
                    || status.getCode() == Status.Code.UNIMPLEMENTED) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("{} {} {} in {}us{}", method, idsOf(request), status.isOk() ? "ok" : status.getCode(),
                            micros, status.isOk() ? "" : ": " + status.getDescription());
                }
            } else {
                LOG.warn("{} {} {} in {}us: {}", method, idsOf(request), status.getCode(), micros,
                        status.getDescription());
            }
            super.close(status, trailers);
        }
    }
}
