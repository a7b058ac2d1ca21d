package io.jcri.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.runtime.events.EventBus;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ContainerEventStreamTest {
    @Test
    void forwardsEventsAsTheyComeUntilTheClientCancels() {
        EventBus bus = new EventBus(10);
        FakeServerCall<ContainerEventResponse> call = new FakeServerCall<>(true);
        ContainerEventStream.forward(bus, call);

        bus.publish(event("c1"));
        bus.publish(event("c2"));
        assertThat(call.sent).extracting(ContainerEventResponse::getContainerId).containsExactly("c1", "c2");
        call.cancel();
        bus.publish(event("c3"));

        assertThat(call.sent).hasSize(2);
        assertThat(bus.hasSubscribers()).isFalse();
        assertThat(call.error).isNotDone();
    }

    @Test
    void eventsWaitForTheTransportAndGoWhenItIsReady() {
        EventBus bus = new EventBus(10);
        FakeServerCall<ContainerEventResponse> call = new FakeServerCall<>(false);
        ContainerEventStream.forward(bus, call);

        bus.publish(event("c1"));
        bus.publish(event("c2"));
        assertThat(call.sent).isEmpty();
        call.becomeReady();

        assertThat(call.sent).extracting(ContainerEventResponse::getContainerId).containsExactly("c1", "c2");
    }

    @Test
    void clientThatStopsReadingIsDroppedWithResourceExhausted() throws Exception {
        EventBus bus = new EventBus(3);
        FakeServerCall<ContainerEventResponse> call = new FakeServerCall<>(false);
        ContainerEventStream.forward(bus, call);

        for (int i = 0; i < 10; i++) {
            bus.publish(event("c" + i));
        }

        assertThat(Status.fromThrowable(call.error.get(30, TimeUnit.SECONDS)).getCode())
                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(call.sent).isEmpty();
        assertThat(bus.hasSubscribers()).isFalse();
    }

    private static ContainerEventResponse event(String id) {
        return ContainerEventResponse.newBuilder().setContainerId(id)
                .setContainerEventType(ContainerEventType.CONTAINER_CREATED_EVENT).build();
    }
}
