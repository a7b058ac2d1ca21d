package io.jcri.runtime.events;

import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.PodSandboxStatus;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns lifecycle changes into GetContainerEvents events. The container service calls {@link #changed} while
 * holding a container's lock, so the change is only queued there; one dispatcher thread then reads the pod's and
 * containers' statuses (taking their locks freely) and publishes, keeping the events in the order they happened.
 */
public final class ContainerEventPublisher implements ContainerLifecycle, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerEventPublisher.class);
    /** Changes waiting for the dispatcher; far more than container operations can produce in a burst. */
    private static final int BACKLOG = 10_000;

    /** One change; {@code podStatus} is null when the pod's status is to be read at publishing time. */
    private record Change(String containerId, String sandboxId, ContainerEventType type, long atNanos,
                          PodSandboxStatus podStatus) {
    }

    private final EventBus bus;
    private final BlockingQueue<Change> changes = new LinkedBlockingQueue<>(BACKLOG);
    /** Null until {@link #start}. */
    private volatile Thread dispatcher;

    /**
     * A publisher that queues changes until {@link #start}: the services that report them are made with it, and
     * the statuses it publishes are read from those services.
     */
    public ContainerEventPublisher(EventBus bus) {
        this.bus = bus;
    }

    /** Starts dispatching, reading what events carry from {@code statuses}; changes reported before are kept. */
    public synchronized ContainerEventPublisher start(PodStatuses statuses) {
        if (dispatcher != null) {
            throw new IllegalStateException("the event publisher runs already");
        }
        Objects.requireNonNull(statuses);
        dispatcher = Thread.ofVirtual().name("container-events").start(() -> dispatch(statuses));
        return this;
    }

    @Override
    public void changed(String containerId, String sandboxId, ContainerEventType type, long atNanos) {
        enqueue(new Change(containerId, sandboxId, type, atNanos, null));
    }

    @Override
    public void podChanged(PodSandboxStatus status, ContainerEventType type, long atNanos) {
        enqueue(new Change(status.getId(), status.getId(), type, atNanos, status));
    }

    private void enqueue(Change c) {
        if (!bus.hasSubscribers()) {
            return;
        }
        if (!changes.offer(c)) {
            LOG.error("container {}: {} not published, {} changes already wait for the dispatcher", c.containerId(),
                    c.type(), BACKLOG);
        }
    }

    private void dispatch(PodStatuses statuses) {
        while (!Thread.currentThread().isInterrupted()) {
            Change c;
            try {
                c = changes.take();
            } catch (InterruptedException e) {
                // close(): the daemon is stopping and nobody is left to hear the rest.
                return;
            }
            try {
                bus.publish(event(c, statuses));
            } catch (RuntimeException e) {
                LOG.error("container {}: cannot publish {}: {}", c.containerId(), c.type(), e.getMessage(), e);
            }
        }
    }

    private static ContainerEventResponse event(Change c, PodStatuses statuses) {
        ContainerEventResponse.Builder b = ContainerEventResponse.newBuilder().setContainerId(c.containerId())
                .setContainerEventType(c.type()).setCreatedAt(c.atNanos());
        if (c.podStatus() != null) {
            b.setPodSandboxStatus(c.podStatus());
        } else {
            statuses.pod(c.sandboxId()).ifPresent(b::setPodSandboxStatus);
        }
        b.addAllContainersStatuses(statuses.containers(c.sandboxId()));
        return b.build();
    }

    @Override
    public synchronized void close() {
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
    }
}
