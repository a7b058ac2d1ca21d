package io.jcri.oci.exec;

import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.Syscalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipes between jcri and a process run without a terminal: the child's ends to hand to the spawn, and jcri's
 * ends as streams that never hold a virtual thread's carrier. A blocking read of a pipe from a virtual thread
 * pins its carrier; with two such readers on a two-core node, every other virtual thread (ExecSync's polling
 * included) waited until the streamed process ended. Reading runs on a platform thread per stream waiting in
 * poll(2), as for a terminal (see {@link FdStreams}).
 */
final class ExecPipes implements AutoCloseable {
    private static final LibC C = LibC.INSTANCE;

    private final int[] in = {-1, -1};
    private final int[] out = {-1, -1};
    private final int[] err = {-1, -1};
    private final List<Thread> readers = new ArrayList<>();
    private boolean closed;

    /** Makes the pipes the client uses; the others stay -1 and the child gets /dev/null there. */
    ExecPipes(boolean stdin, boolean stdout, boolean stderr) {
        try {
            if (stdin) {
                Syscalls.pipe(in, "exec stdio");
                Syscalls.nonBlocking(in[1]);
            }
            if (stdout) {
                Syscalls.pipe(out, "exec stdio");
                Syscalls.nonBlocking(out[0]);
            }
            if (stderr) {
                Syscalls.pipe(err, "exec stdio");
                Syscalls.nonBlocking(err[0]);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The child's ends (-1 where the client uses no such stream). */
    int childStdin() {
        return in[0];
    }

    int childStdout() {
        return out[1];
    }

    int childStderr() {
        return err[1];
    }

    /** Once the child has its ends: closes them here, so that end of file reaches jcri when the child's go. */
    void spawned() {
        closeFd(in, 0);
        closeFd(out, 1);
        closeFd(err, 1);
    }

    /** Writing to the child's stdin; closing it closes the pipe (end of file for the child). Null without stdin. */
    OutputStream stdin(String name) {
        return in[1] < 0 ? null : FdStreams.output(in[1], name, 64 * 1024, () -> closeFd(in, 1));
    }

    InputStream stdout(String name) {
        return reader(out[0], name);
    }

    InputStream stderr(String name) {
        return reader(err[0], name);
    }

    private synchronized InputStream reader(int fd, String name) {
        if (fd < 0) {
            return null;
        }
        FdStreams.Pipe pipe = new FdStreams.Pipe();
        readers.add(FdStreams.readLoop(fd, name, 32 * 1024, (buf, n) -> pipe.write(buf, 0, n), pipe::close));
        return pipe.in;
    }

    /** Stops the readers, then closes every descriptor (never one a reader still polls). */
    @Override
    public void close() {
        List<Thread> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = List.copyOf(readers);
        }
        for (Thread t : stopping) {
            t.interrupt();
        }
        for (Thread t : stopping) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int[] p : new int[][] {in, out, err}) {
            closeFd(p, 0);
            closeFd(p, 1);
        }
    }

    private static synchronized void closeFd(int[] pipe, int end) {
        if (pipe[end] >= 0) {
            C.close(pipe[end]);
            pipe[end] = -1;
        }
    }

}
