package io.jcri.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.runtime.events.EventBus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ContainerEventStreamTest {
    @Test
    void forwardsEventsUntilTheClientCancels() throws Exception {
        EventBus bus = new EventBus(10);
        FakeCall call = new FakeCall(true);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> ContainerEventStream.forward(bus, call));
        awaitSubscriber(bus);

        bus.publish(event("c1"));
        bus.publish(event("c2"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (call.sent.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        call.cancel();

        done.get(5, TimeUnit.SECONDS);
        assertThat(call.sent).extracting(ContainerEventResponse::getContainerId).containsExactly("c1", "c2");
        assertThat(bus.hasSubscribers()).isFalse();
    }

    @Test
    void clientThatStopsReadingIsDroppedWithResourceExhausted() throws Exception {
        EventBus bus = new EventBus(3);
        FakeCall call = new FakeCall(false);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> ContainerEventStream.forward(bus, call));
        awaitSubscriber(bus);

        for (int i = 0; i < 10; i++) {
            bus.publish(event("c" + i));
        }

        assertThatThrownBy(() -> done.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
        assertThat(call.sent).isEmpty();
    }

    private static void awaitSubscriber(EventBus bus) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!bus.hasSubscribers() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static ContainerEventResponse event(String id) {
        return ContainerEventResponse.newBuilder().setContainerId(id)
                .setContainerEventType(ContainerEventType.CONTAINER_CREATED_EVENT).build();
    }

    /** A server call whose transport is always or never ready for more. */
    private static final class FakeCall extends ServerCallStreamObserver<ContainerEventResponse> {
        final List<ContainerEventResponse> sent = new CopyOnWriteArrayList<>();
        private final boolean ready;
        private volatile boolean cancelled;
        private volatile Runnable onCancel = () -> { };

        FakeCall(boolean ready) {
            this.ready = ready;
        }

        void cancel() {
            cancelled = true;
            onCancel.run();
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
            onCancel = handler;
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onNext(ContainerEventResponse value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
