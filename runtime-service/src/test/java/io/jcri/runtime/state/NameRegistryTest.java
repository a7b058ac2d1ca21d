package io.jcri.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.runtime.Blocking;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NameRegistryTest {
    private final NameRegistry names = new NameRegistry("sandbox");

    @Test
    void secondCreateOfAnOwnedNameIsAlreadyExists() {
        assertThat(names.create("pod", () -> "id1")).isEqualTo("id1");
        assertThatThrownBy(() -> names.create("pod", () -> "id2"))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS))
                .hasMessageContaining("id1");
        names.release("pod", "id1");
        assertThat(names.create("pod", () -> "id3")).isEqualTo("id3");
    }

    @Test
    void retryWhileInFlightJoinsTheFirstCall() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> first = pool.submit(() -> names.create("pod", () -> {
                runs.incrementAndGet();
                started.countDown();
                await(finish);
                return "id1";
            }));
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            FutureTask<String> retry = new FutureTask<>(() -> names.create("pod", () -> {
                runs.incrementAndGet();
                return "id2";
            }));
            Thread retrying = Thread.ofPlatform().start(retry);
            Blocking.awaitBlocked(retrying);
            assertThat(retry).as("the retry waits for the first create").isNotDone();
            finish.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("id1");
            assertThat(retry.get(5, TimeUnit.SECONDS)).isEqualTo("id1");
        }
        assertThat(runs).hasValue(1);
    }

    @Test
    void createAfterAFailureStartsAfresh() {
        assertThatThrownBy(() -> names.create("pod", () -> {
            throw CriException.invalid("boom");
        })).hasMessage("boom");
        assertThat(names.create("pod", () -> "id2")).isEqualTo("id2");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
