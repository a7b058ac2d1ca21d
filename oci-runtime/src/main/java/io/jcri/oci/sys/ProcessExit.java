package io.jcri.oci.sys;

import java.util.concurrent.CompletableFuture;

/**
 * "This process ended", without polling: a pidfd on the process, watched by {@link Readiness}, completes a future
 * when it exits. A child of this JVM is reaped then, and the future holds its wait status; a process that is not
 * (an infra process after a restart) completes with -1 once it exited. A process already gone completes with -1
 * at once.
 */
public final class ProcessExit {
    private static final LibC C = LibC.INSTANCE;
    private static final int WNOHANG = 1;
    private static final int ECHILD = 10;
    private static final int POLLIN = 1;

    private final int pid;
    private final int pidfd;
    private final CompletableFuture<Integer> ended = new CompletableFuture<>();

    private ProcessExit(int pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** The end of process {@code pid}: its wait status when it was a child of this JVM, else -1. */
    public static CompletableFuture<Integer> of(int pid) {
        int pidfd = Syscalls.pidfdOpen(pid);
        if (pidfd < 0) {
            return CompletableFuture.completedFuture(-1);
        }
        ProcessExit exit = new ProcessExit(pid, pidfd);
        exit.await();
        return exit.ended;
    }

    private void await() {
        Readiness.whenReadable(pidfd).whenComplete((ok, failed) -> {
            if (failed != null) {
                close();
                ended.completeExceptionally(failed);
            } else if (!reaped()) {
                await();
            }
        });
    }

    /** True when the process ended (and was reaped if it was a child); false when still running. */
    private boolean reaped() {
        int[] status = new int[1];
        int rc = C.waitpid(pid, status, WNOHANG);
        if (rc == 0) {
            return false;
        }
        if (rc < 0 && com.sun.jna.Native.getLastError() == ECHILD && C.poll(new int[] {pidfd, POLLIN}, 1, 0) == 0) {
            // not a child: its pidfd, readable once it exited, tells a spurious wake-up from an exit
            return false;
        }
        close();
        ended.complete(rc == pid ? status[0] : -1);
        return true;
    }

    private void close() {
        Readiness.forget(pidfd);
        C.close(pidfd);
    }
}
