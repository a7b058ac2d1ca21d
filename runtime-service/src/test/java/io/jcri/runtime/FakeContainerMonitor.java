package io.jcri.runtime;

import io.jcri.oci.OciException;
import io.jcri.oci.monitor.ContainerMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * conmon for the unit tests: which containers exited, with what code, and which monitors are alive is what the
 * test sets; a create answers {@link #PID} or fails as the test asks, and creates and forgets are written to the
 * test's journal beside its other fakes' steps. Exit records lie in {@code DIR/exits}, a monitor's directory in
 * {@code DIR/monitor/ID}; every exit happened at the time given to the constructor; no container is OOM-killed.
 */
public final class FakeContainerMonitor implements ContainerMonitor {
    /** The pid every create answers. */
    public static final int PID = 4242;

    private final Path dir;
    private final long exitedAtNanos;
    private final Consumer<String> journal;
    private final Map<String, Integer> exitCodes = new ConcurrentHashMap<>();
    private final Set<String> alive = ConcurrentHashMap.newKeySet();
    private final List<String> forgotten = new CopyOnWriteArrayList<>();
    private volatile boolean createFails;
    private volatile Consumer<Path> onCreate = bundle -> { };
    private volatile Runnable onReopen = () -> { };

    /**
     * @param dir           where the exit records and the monitors' directories lie
     * @param exitedAtNanos when every exit happened (epoch nanoseconds)
     * @param journal       takes "monitor create NAME" and "monitor forget", in the order asked
     */
    public FakeContainerMonitor(Path dir, long exitedAtNanos, Consumer<String> journal) {
        this.dir = dir;
        this.exitedAtNanos = exitedAtNanos;
        this.journal = journal;
    }

    /** The monitor of {@code id} is alive (its container not exited). */
    public void running(String id) {
        alive.add(id);
    }

    /** {@code id} exited with {@code code}, and its monitor with it. */
    public void exit(String id, int code) {
        exitCodes.put(id, code);
        alive.remove(id);
    }

    /** Every later create fails as conmon refusing would. */
    public void failCreates() {
        createFails = true;
    }

    /** What conmon does in the bundle during a create that succeeds (by default nothing). */
    public void onCreate(Consumer<Path> action) {
        onCreate = action;
    }

    /** What conmon does on a reopen request (by default nothing, so no new log file appears). */
    public void onReopen(Runnable action) {
        onReopen = action;
    }

    /** The ids forgotten so far, in order. */
    public List<String> forgotten() {
        return List.copyOf(forgotten);
    }

    @Override
    public Path exitDir() {
        return dir.resolve("exits");
    }

    @Override
    public Path dirOf(String id) {
        return dir.resolve("monitor").resolve(id);
    }

    @Override
    public int create(CreateRequest req) {
        journal.accept("monitor create " + req.name());
        if (createFails) {
            throw new OciException("conmon refused");
        }
        onCreate.accept(req.bundle());
        return PID;
    }

    @Override
    public Set<String> exitedIds() {
        return Set.copyOf(exitCodes.keySet());
    }

    @Override
    public Optional<Integer> exitCode(String id) {
        return Optional.ofNullable(exitCodes.get(id));
    }

    @Override
    public long exitedAtNanos(String id) {
        return exitedAtNanos;
    }

    @Override
    public boolean monitorAlive(String id) {
        return alive.contains(id);
    }

    @Override
    public boolean oomKilled(String id, Path bundle) {
        return false;
    }

    @Override
    public void reopenLog(String id, Path bundle) {
        onReopen.run();
    }

    @Override
    public boolean awaitMonitorExit(String id, Duration timeout) {
        return true;
    }

    @Override
    public void forget(String id) {
        journal.accept("monitor forget");
        forgotten.add(id);
        exitCodes.remove(id);
    }
}
