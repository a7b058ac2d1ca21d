package io.jcri.runtime.events;

import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.PodSandboxStatus;
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
    private final PodStatuses statuses;
    private final BlockingQueue<Change> changes = new LinkedBlockingQueue<>(BACKLOG);
    private final Thread dispatcher;

    public ContainerEventPublisher(EventBus bus, PodStatuses statuses) {
        this.bus = bus;
        this.statuses = statuses;
        this.dispatcher = Thread.ofVirtual().name("container-events").unstarted(this::dispatch);
    }

    /** Starts dispatching; changes reported before are kept until then. */
    public ContainerEventPublisher start() {
        dispatcher.start();
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

    private void dispatch() {
        while (!Thread.currentThread().isInterrupted()) {
            Change c;
            try {
                c = changes.take();
            } catch (InterruptedException e) {
                // close(): the daemon is stopping and nobody is left to hear the rest.
                return;
            }
            try {
                bus.publish(event(c));
            } catch (RuntimeException e) {
                LOG.error("container {}: cannot publish {}: {}", c.containerId(), c.type(), e.getMessage(), e);
            }
        }
    }

    private ContainerEventResponse event(Change c) {
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
    public void close() {
        dispatcher.interrupt();
    }
}
