package io.jcri.image.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
    private static final byte[] DATA = "layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = Digests.of(DATA);

    @TempDir
    Path dir;

    @Test
    void storesVerifiedBlobsAndCountsProgress() throws Exception {
        ContentStore store = new ContentStore(dir);
        AtomicLong progress = new AtomicLong();
        Path p = store.ensure(DIGEST, DATA.length, () -> new ByteArrayInputStream(DATA), progress::addAndGet);
        assertThat(p).hasBinaryContent(DATA);
        assertThat(progress.get()).isEqualTo(DATA.length);
        assertThat(store.list()).containsExactly(DIGEST);
        store.delete(DIGEST);
        assertThat(store.has(DIGEST)).isFalse();
    }

    @Test
    void refusesContentThatDoesNotMatchItsDigestOrSizeAndKeepsNoPart() throws Exception {
        ContentStore store = new ContentStore(dir);
        String other = Digests.of("other");
        assertThatThrownBy(() -> store.ensure(other, DATA.length, () -> new ByteArrayInputStream(DATA), n -> { }))
                .hasMessageContaining("corrupt or tampered");
        assertThatThrownBy(() -> store.ensure(DIGEST, 3, () -> new ByteArrayInputStream(DATA), n -> { }))
                .hasMessageContaining("larger than");
        assertThatThrownBy(() -> store.put(other, DATA)).hasMessageContaining("does not match");
        assertThat(files(dir.resolve("ingest"))).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void retriesADownloadThatBreaksOff() throws Exception {
        ContentStore store = new ContentStore(dir);
        AtomicInteger opens = new AtomicInteger();
        store.ensure(DIGEST, DATA.length, () -> opens.incrementAndGet() == 1 ? broken() : new ByteArrayInputStream(DATA),
                n -> { });
        assertThat(opens.get()).isEqualTo(2);
        assertThat(store.has(DIGEST)).isTrue();
    }

    @Test
    void concurrentWritersOfOneDigestShareOneDownload() throws Exception {
        ContentStore store = new ContentStore(dir);
        AtomicInteger opens = new AtomicInteger();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ContentStore.Source slow = () -> {
            opens.incrementAndGet();
            firstStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new ByteArrayInputStream(DATA);
        };
        Thread a = Thread.ofVirtual().start(() -> store.ensure(DIGEST, DATA.length, slow, n -> { }));
        firstStarted.await();
        Thread b = Thread.ofPlatform().start(() -> store.ensure(DIGEST, DATA.length, slow, n -> { }));
        awaitBlocked(b);
        release.countDown();
        a.join();
        b.join();
        assertThat(opens.get()).isEqualTo(1);
        store.cleanIngest();
        assertThat(store.has(DIGEST)).isTrue();
    }

    /** Returns once {@code t} waits (here: for the digest's lock the first writer holds). */
    private static void awaitBlocked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("%s waits within 30 s", t).isLessThan(deadline);
            Thread.yield();
        }
    }

    private static InputStream broken() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
    }

    private static List<Path> files(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
