package io.jcri.runtime.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.PodSandboxStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventBusTest {
    @Test
    void everySubscriberSeesEveryEventInOrder() {
        EventBus bus = new EventBus(10);
        try (EventBus.Subscription a = bus.subscribe(); EventBus.Subscription b = bus.subscribe()) {
            bus.publish(event("c1", ContainerEventType.CONTAINER_CREATED_EVENT));
            bus.publish(event("c1", ContainerEventType.CONTAINER_STARTED_EVENT));

            for (EventBus.Subscription s : List.of(a, b)) {
                assertThat(s.poll().getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
                assertThat(s.poll().getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_STARTED_EVENT);
                assertThat(s.poll()).isNull();
            }
        }
    }

    @Test
    void slowSubscriberIsDroppedWithoutBlockingOthers() {
        EventBus bus = new EventBus(2);
        try (EventBus.Subscription slow = bus.subscribe(); EventBus.Subscription fast = bus.subscribe()) {
            for (int i = 0; i < 5; i++) {
                bus.publish(event("c" + i, ContainerEventType.CONTAINER_CREATED_EVENT));
                assertThat(fast.poll()).isNotNull();
            }

            assertThat(slow.open()).isFalse();
            assertThat(fast.open()).isTrue();
            assertThatThrownBy(slow::poll).isInstanceOf(CriException.class)
                    .satisfies(e -> assertThat(((CriException) e).kind())
                            .isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
        }
    }

    @Test
    void closedSubscriptionGetsNothingMore() {
        EventBus bus = new EventBus(2);
        EventBus.Subscription s = bus.subscribe();
        s.close();
        bus.publish(event("c1", ContainerEventType.CONTAINER_CREATED_EVENT));

        assertThat(bus.hasSubscribers()).isFalse();
        assertThat(s.poll()).isNull();
    }

    @Test
    void aSubscriberIsToldOfEachEventAndOfBeingDropped() {
        EventBus bus = new EventBus(1);
        try (EventBus.Subscription s = bus.subscribe()) {
            AtomicInteger told = new AtomicInteger();
            s.onAvailable(told::incrementAndGet);
            bus.publish(event("c1", ContainerEventType.CONTAINER_CREATED_EVENT));
            assertThat(told).hasValue(1);
            bus.publish(event("c2", ContainerEventType.CONTAINER_CREATED_EVENT));
            assertThat(told).as("told of the drop").hasValue(2);
            assertThat(s.open()).isFalse();
        }
    }

    @Test
    void publisherAddsPodAndContainerStatuses() throws Exception {
        EventBus bus = new EventBus(10);
        PodStatuses statuses = new PodStatuses() {
            @Override
            public Optional<PodSandboxStatus> pod(String sandboxId) {
                return Optional.of(PodSandboxStatus.newBuilder().setId(sandboxId).build());
            }

            @Override
            public List<ContainerStatus> containers(String sandboxId) {
                return List.of(ContainerStatus.newBuilder().setId("c1").build());
            }
        };
        try (EventBus.Subscription s = bus.subscribe();
             ContainerEventPublisher publisher = new ContainerEventPublisher(bus).start(statuses)) {
            CompletableFuture<ContainerEventResponse> published = new CompletableFuture<>();
            s.onAvailable(() -> published.complete(s.poll()));
            publisher.changed("c1", "p1", ContainerEventType.CONTAINER_STOPPED_EVENT, 42);

            ContainerEventResponse e = published.get(30, TimeUnit.SECONDS);
            assertThat(e.getContainerId()).isEqualTo("c1");
            assertThat(e.getCreatedAt()).isEqualTo(42);
            assertThat(e.getPodSandboxStatus().getId()).isEqualTo("p1");
            assertThat(e.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly("c1");
        }
    }

    private static ContainerEventResponse event(String id, ContainerEventType type) {
        return ContainerEventResponse.newBuilder().setContainerId(id).setContainerEventType(type).build();
    }
}
