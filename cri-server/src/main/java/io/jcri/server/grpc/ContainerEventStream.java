package io.jcri.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.runtime.events.EventBus;
import java.time.Duration;
import java.util.Optional;

/**
 * Feeds one GetContainerEvents call from its own event-bus subscription until the client goes away. It sends
 * only while the transport is ready for more, so a client that stops reading leaves its events in the
 * subscription's bounded buffer, where the bus drops it (RESOURCE_EXHAUSTED) instead of buffering without end.
 */
final class ContainerEventStream {
    /** How often a quiet stream checks whether its client is still there. */
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long READY_WAIT_MS = 10;

    private ContainerEventStream() {
    }

    static void forward(EventBus bus, ServerCallStreamObserver<ContainerEventResponse> call) {
        try (EventBus.Subscription subscription = bus.subscribe()) {
            call.setOnCancelHandler(subscription::close);
            while (subscription.open() && !call.isCancelled()) {
                Optional<ContainerEventResponse> event = subscription.next(POLL);
                if (event.isEmpty()) {
                    continue;
                }
                while (!call.isReady() && !call.isCancelled() && subscription.open()) {
                    Thread.sleep(READY_WAIT_MS);
                }
                if (subscription.open() && !call.isCancelled()) {
                    call.onNext(event.get());
                }
            }
            // A dropped subscription reports why on the next read.
            subscription.next(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "container event stream interrupted: the "
                    + "daemon is stopping", e);
        }
    }
}
