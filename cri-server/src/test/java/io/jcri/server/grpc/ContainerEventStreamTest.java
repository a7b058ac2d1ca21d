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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ContainerEventStreamTest {
    @Test
    void forwardsEventsUntilTheClientCancels() throws Exception {
        EventBus bus = new EventBus(10);
        FakeCall call = new FakeCall(true);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> ContainerEventStream.forward(bus, call));
        call.awaitSubscribed();

        bus.publish(event("c1"));
        bus.publish(event("c2"));
        assertThat(call.twoSent.await(30, TimeUnit.SECONDS)).as("two events sent").isTrue();
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
        call.awaitSubscribed();

        for (int i = 0; i < 10; i++) {
            bus.publish(event("c" + i));
        }

        assertThatThrownBy(() -> done.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
        assertThat(call.sent).isEmpty();
    }

    private static ContainerEventResponse event(String id) {
        return ContainerEventResponse.newBuilder().setContainerId(id)
                .setContainerEventType(ContainerEventType.CONTAINER_CREATED_EVENT).build();
    }

    /** A server call whose transport is always or never ready for more. */
    private static final class FakeCall extends ServerCallStreamObserver<ContainerEventResponse> {
        final List<ContainerEventResponse> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch twoSent = new CountDownLatch(2);
        /** The stream sets its cancel handler once it has subscribed. */
        private final CountDownLatch subscribed = new CountDownLatch(1);
        private final boolean ready;
        private volatile boolean cancelled;
        private volatile Runnable onCancel = () -> { };

        FakeCall(boolean ready) {
            this.ready = ready;
        }

        void awaitSubscribed() throws InterruptedException {
            assertThat(subscribed.await(30, TimeUnit.SECONDS)).as("the stream subscribed").isTrue();
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
            subscribed.countDown();
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
            twoSent.countDown();
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
