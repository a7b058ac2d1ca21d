package io.jcri.runtime.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The undo list of a multi-step operation: each step that changed something registers how to undo it, and on
 * failure the undos run newest first. Every undo runs even when an earlier one fails; failures are logged with the
 * object's id and reported to the caller.
 */
public final class Rollback {
    private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);

    /** One undo action. */
    @FunctionalInterface
    public interface Undo {
        void run() throws Exception;
    }

    private record Step(String what, Undo undo) {
    }

    private final String object;
    private final Deque<Step> steps = new ArrayDeque<>();

    /** @param object names the object being made, e.g. "sandbox 1a2b...", for the log */
    public Rollback(String object) {
        this.object = object;
    }

    public void add(String what, Undo undo) {
        steps.push(new Step(what, undo));
    }

    /** Runs every undo, newest first, recording their failures on {@code cause}; returns what could not be undone. */
    public List<String> run(Throwable cause) {
        List<String> failed = new ArrayList<>();
        while (!steps.isEmpty()) {
            Step s = steps.pop();
            try {
                s.undo().run();
            } catch (Exception e) {
                LOG.error("{}: rolling back '{}' failed: {}", object, s.what(), e.getMessage(), e);
                cause.addSuppressed(e);
                failed.add(s.what());
            }
        }
        return failed;
    }
}
