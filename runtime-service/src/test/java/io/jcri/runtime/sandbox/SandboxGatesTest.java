package io.jcri.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.runtime.Blocking;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Creates and starts in a pod against its teardown: the loser is refused, nothing runs in a closed pod. */
class SandboxGatesTest {
    @Test
    void closingWaitsForOperationsInsideThenRefusesNewOnes() throws Exception {
        SandboxGates gates = new SandboxGates(Duration.ofSeconds(10));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> create = createInside(gates, release);
        FutureTask<Void> stop = new FutureTask<>(() -> gates.close("p"), null);
        Thread stopping = Thread.ofPlatform().start(stop);
        Blocking.awaitBlocked(stopping);
        assertThat(stop).as("the stop waits for the create inside").isNotDone();
        release.countDown();
        assertThat(create.get(5, TimeUnit.SECONDS)).isEqualTo("created");
        stop.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> gates.whileOpen("p", () -> "late"))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
        assertThat(gates.whileOpen("other", () -> "fine")).isEqualTo("fine");
        gates.forget("p");
        assertThat(gates.whileOpen("p", () -> "a new pod of that id")).isEqualTo("a new pod of that id");
    }

    @Test
    void aCloseThatCannotWaitLongEnoughFailsAndCanBeRetried() throws Exception {
        SandboxGates gates = new SandboxGates(Duration.ofMillis(200));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> create = createInside(gates, release);
        assertThatThrownBy(() -> gates.close("p")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED));
        release.countDown();
        create.get(5, TimeUnit.SECONDS);
        gates.close("p");
        assertThatThrownBy(() -> gates.whileOpen("p", () -> "late")).isInstanceOf(CriException.class);
    }

    /** A create of pod "p" that has passed the gate and stays inside until {@code release}. */
    private static CompletableFuture<String> createInside(SandboxGates gates, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch inside = new CountDownLatch(1);
        CompletableFuture<String> create = CompletableFuture.supplyAsync(() -> gates.whileOpen("p", () -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return "created";
        }));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
        return create;
    }
}
