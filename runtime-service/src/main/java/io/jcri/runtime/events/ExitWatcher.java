package io.jcri.runtime.events;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directory conmon writes exit files to (named by container id) and reports each new one at once, so
 * a container that exits while nobody asks is still seen stopped promptly (inotify, not polling).
 */
public final class ExitWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);

    private final Path exitDir;
    private final Consumer<String> onExit;
    private final WatchService watcher;
    private final Thread thread;

    private ExitWatcher(Path exitDir, Consumer<String> onExit, WatchService watcher) {
        this.exitDir = exitDir;
        this.onExit = onExit;
        this.watcher = watcher;
        this.thread = Thread.ofPlatform().name("exit-watcher").daemon().unstarted(this::run);
    }

    /**
     * Starts watching {@code exitDir} (made if missing); {@code onExit} gets the file name of every exit file
     * created, each on its own virtual thread (a container whose lock is held by a slow stop must not delay the
     * others), and once for every file already there, so exits between recovery and now are not missed. Names
     * that are not container ids (conmon's temporary files) are the callee's to ignore.
     */
    public static ExitWatcher start(Path exitDir, Consumer<String> onExit) throws IOException {
        Files.createDirectories(exitDir);
        WatchService ws = FileSystems.getDefault().newWatchService();
        exitDir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        ExitWatcher w = new ExitWatcher(exitDir, onExit, ws);
        w.thread.start();
        try (var existing = Files.list(exitDir)) {
            existing.forEach(f -> w.report(f.getFileName().toString()));
        }
        return w;
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                // close(): stop watching.
                return;
            }
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    LOG.warn("exit watcher on {} overflowed; exits are picked up when the containers are next read",
                            exitDir);
                } else if (event.context() instanceof Path name) {
                    report(name.toString());
                }
            }
            if (!key.reset()) {
                LOG.error("exit directory {} is no longer watchable; exits are seen only when asked for", exitDir);
                return;
            }
        }
    }

    private void report(String name) {
        Thread.ofVirtual().name("exit-" + name).start(() -> {
            try {
                onExit.accept(name);
            } catch (RuntimeException e) {
                LOG.warn("container {}: handling its exit file failed: {}", name, e.getMessage(), e);
            }
        });
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
