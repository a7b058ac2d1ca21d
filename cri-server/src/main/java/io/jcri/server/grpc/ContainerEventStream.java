package io.jcri.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.CriException;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.runtime.events.EventBus;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds one GetContainerEvents call from its own event-bus subscription until the client goes away. Nothing waits:
 * an event arriving and the transport becoming ready both run {@link #drain}, which sends while the transport
 * takes more. A client that stops reading leaves its events in the subscription's bounded buffer, where the bus
 * drops it; the call then ends with RESOURCE_EXHAUSTED instead of buffering without end.
 */
final class ContainerEventStream {
    private final EventBus.Subscription subscription;
    private final ServerCallStreamObserver<ContainerEventResponse> call;
    /**
     * Drains asked for and not yet done. Only the caller that raises it from zero drains (and loops until it is
     * back to zero), so the call's observer, which is not thread-safe, is used by one thread at a time.
     */
    private final AtomicInteger wanted = new AtomicInteger();

    private ContainerEventStream(EventBus.Subscription subscription,
                                 ServerCallStreamObserver<ContainerEventResponse> call) {
        this.subscription = subscription;
        this.call = call;
    }

    /** Starts the stream and returns at once; the call stays open until the client cancels or falls behind. */
    static void forward(EventBus bus, ServerCallStreamObserver<ContainerEventResponse> call) {
        ContainerEventStream stream = new ContainerEventStream(bus.subscribe(), call);
        call.setOnCancelHandler(stream.subscription::close);
        call.setOnReadyHandler(stream::drain);
        stream.subscription.onAvailable(stream::drain);
        stream.drain();
    }

    private void drain() {
        if (wanted.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                while (!call.isCancelled()) {
                    // first: a dropped subscriber is told even while its transport is full
                    subscription.throwIfDropped();
                    if (!call.isReady()) {
                        break;
                    }
                    ContainerEventResponse event = subscription.poll();
                    if (event == null) {
                        break;
                    }
                    call.onNext(event);
                }
            } catch (CriException dropped) {
                subscription.close();
                call.onError(StatusMapper.toStatus(dropped).asRuntimeException());
                return;
            }
        } while (wanted.decrementAndGet() != 0);
    }
}
