package io.jcri.runtime.state;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Unique object names (a sandbox's or container's metadata) and the ids that own them. Creating an object runs
 * under its name's reservation: a second create of the same name while the first is still running joins it and
 * returns the first one's result (kubelet retries a call after its own timeout, and the retries must converge);
 * a create after a failed one starts afresh; a create of a name an existing object holds answers ALREADY_EXISTS.
 */
public final class NameRegistry {
    private final String kind;
    private final Object lock = new Object();
    // Guarded by lock: a name maps to the id that owns it, or to the creation still in flight.
    private final Map<String, String> owners = new HashMap<>();
    private final Map<String, CompletableFuture<String>> inFlight = new HashMap<>();

    /** @param kind what the names are of ("sandbox", "container"), for messages */
    public NameRegistry(String kind) {
        this.kind = kind;
    }

    /**
     * Runs {@code create} (which returns the new object's id) under {@code name}'s reservation, or joins the run
     * already in flight for that name. On success the name belongs to the returned id until {@link #release}.
     */
    public String create(String name, Supplier<String> create) {
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> running;
        synchronized (lock) {
            String owner = owners.get(name);
            if (owner != null) {
                throw new CriException(ErrorKind.ALREADY_EXISTS, kind + " name '" + name
                        + "' is already used by " + owner + "; remove it first");
            }
            running = inFlight.putIfAbsent(name, mine);
        }
        if (running != null) {
            return join(name, running);
        }
        try {
            String id = create.get();
            synchronized (lock) {
                inFlight.remove(name);
                owners.put(name, id);
            }
            mine.complete(id);
            return id;
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                inFlight.remove(name);
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** Records that {@code id} owns {@code name}, for objects found on disk at start. */
    public void claim(String name, String id) {
        synchronized (lock) {
            owners.put(name, id);
        }
    }

    /** Frees {@code name} if {@code id} owns it; a no-op otherwise. */
    public void release(String name, String id) {
        synchronized (lock) {
            owners.remove(name, id);
        }
    }

    private String join(String name, CompletableFuture<String> running) {
        try {
            return running.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new CriException(ErrorKind.INTERNAL, "creating " + kind + " '" + name + "' failed: "
                    + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new CriException(ErrorKind.CANCELLED, "creating " + kind + " '" + name
                    + "' was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "interrupted while waiting for " + kind + " '"
                    + name + "' to be created", e);
        }
    }
}
