package io.jcri.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {
    private final KeyedLocks locks = new KeyedLocks();

    @Test
    void anEntryLastsOnlyWhileItsLockIsHeldOrWaitedFor() {
        for (int i = 0; i < 100; i++) {
            String key = "sha256:" + i;
            locks.run(key, () -> assertThat(locks.size()).isEqualTo(1));
            try (KeyedLocks.Held held = locks.lockInterruptibly(key, "blob " + key)) {
                assertThat(locks.size()).isEqualTo(1);
            }
            assertThat(locks.tryWith(key, () -> "read")).contains("read");
        }
        assertThat(locks.size()).isZero();
    }

    @Test
    void aSecondCallerWaitsForTheFirstAndTryWithDoesNot() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> locks.run("c1", () -> {
            holding.countDown();
            await(release);
        }));
        holding.await();
        assertThat(locks.tryWith("c1", () -> "read")).isEmpty();
        assertThat(locks.tryWith("c2", () -> "other key")).contains("other key");
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThat(locks.with("c1", () -> "after")).isEqualTo("after");
        assertThat(locks.size()).isZero();
    }

    @Test
    void anInterruptedWaitIsCancelledAndLeavesNoEntry() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> locks.run("d", () -> {
            holding.countDown();
            await(release);
        }));
        holding.await();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            try {
                locks.lockInterruptibly("d", "blob d").close();
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        waiter.join();
        assertThat(locks.size()).as("only the holder's entry").isEqualTo(1);
        assertThat(thrown.get()).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.CANCELLED)).hasMessage("waiting for blob d: cancelled");
        release.countDown();
        holder.join();
        assertThat(locks.size()).isZero();
    }

    @Test
    void theLockIsReleasedWhenTheBodyThrows() {
        assertThatThrownBy(() -> locks.run("e", () -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(locks.size()).isZero();
        assertThat(locks.tryWith("e", () -> "free")).contains("free");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
