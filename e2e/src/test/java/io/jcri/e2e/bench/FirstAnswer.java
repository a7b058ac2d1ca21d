package io.jcri.e2e.bench;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStateValue;
import io.jcri.cri.v1.ListContainersRequest;
import java.util.concurrent.TimeUnit;

/**
 * Times a runtime's start: from launching its daemon to the first ListContainers call it answers listing every
 * container left running, so a runtime that answered before it had recovered its pods would not gain by it.
 */
final class FirstAnswer {
    private static final long GIVE_UP_NANOS = TimeUnit.MINUTES.toNanos(3);
    private static final long POLL_MILLIS = 10;

    private FirstAnswer() {
    }

    /** Starts {@code daemon} and returns the milliseconds until it listed {@code running} running containers. */
    static double millis(BenchDaemon daemon, int running) throws Exception {
        ListContainersRequest request = ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))).build();
        long t0 = System.nanoTime();
        daemon.start();
        String last = "no answer";
        while (System.nanoTime() - t0 < GIVE_UP_NANOS) {
            // a new channel per attempt: a channel whose connection failed waits out a backoff of a second or more
            try (CriClients c = CriClients.connect(daemon.endpoint())) {
                int listed = c.runtime().withDeadlineAfter(10, TimeUnit.SECONDS).listContainers(request)
                        .getContainersCount();
                if (listed >= running) {
                    return (System.nanoTime() - t0) / 1e6;
                }
                last = listed + " of " + running + " running containers listed";
            } catch (StatusRuntimeException notYet) {
                last = notYet.getStatus().toString();
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException(daemon.name() + " did not list its " + running
                + " running containers within 3 minutes of its start; last: " + last);
    }
}
