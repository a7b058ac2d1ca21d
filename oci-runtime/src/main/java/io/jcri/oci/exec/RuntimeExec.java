package io.jcri.oci.exec;

import com.sun.jna.Native;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.PosixSpawn;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started in a running container for a streaming client, through the OCI runtime's {@code exec} in
 * the foreground. Without a terminal the runtime relays pipes; with one it runs on a pty jcri holds the master
 * of, as its controlling terminal, so the runtime relays the container's terminal to it and forwards window
 * changes (SIGWINCH) — a resize is an ioctl on the master.
 */
public final class RuntimeExec implements StreamSession {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeExec.class);
    private static final List<String> ENV = List.of(OciDefaults.DEFAULT_PATH);
    private static final int SIGWINCH = 28;
    private static final int EINTR = 4;
    private static final int O_RDWR = 2;

    /** Which streams the client uses. */
    public record Stdio(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    }

    private final String containerId;
    private final Path workDir;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Pty pty;
    private final ExecPipes pipes;
    private boolean closed;
    /** The runtime's pid, set right after it is spawned. */
    private volatile int runtimePid;

    private RuntimeExec(String containerId, Path workDir, OutputStream stdin, InputStream stdout, InputStream stderr,
                        Pty pty, ExecPipes pipes) {
        this.containerId = containerId;
        this.workDir = workDir;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pty = pty;
        this.pipes = pipes;
    }

    /**
     * Starts {@code process} (its args set, its terminal flag matching {@code stdio.tty()}) in container
     * {@code containerId}; {@code workDir} is a fresh directory for the process file and pid file, removed when
     * the session closes.
     */
    public static RuntimeExec start(OciRuntime runtime, String containerId, OciSpec.Process process, Path workDir,
                                    Stdio stdio) {
        Path processFile = workDir.resolve("process.json");
        List<String> argv = new ArrayList<>();
        argv.add(runtime.executable().toString());
        argv.addAll(runtime.globalArgs());
        argv.addAll(List.of("exec", "--process", processFile.toString(), "--pid-file",
                workDir.resolve("exec.pid").toString(), containerId));
        try {
            Files.createDirectories(workDir);
            AtomicFiles.write(processFile, OciSpecJson.write(process));
            return stdio.tty() ? onTerminal(containerId, workDir, argv, stdio) : onPipes(containerId, workDir, argv,
                    stdio);
        } catch (IOException | RuntimeException e) {
            Trees.deleteOrWarn(workDir);
            throw new OciException("cannot exec in container " + containerId + ": " + e.getMessage(), e);
        }
    }

    private static RuntimeExec onTerminal(String id, Path workDir, List<String> argv, Stdio stdio) {
        Pty pty = Pty.open();
        try {
            int slave = pty.openSlave();
            int pid;
            try {
                pid = PosixSpawn.spawn(PosixSpawn.withUmask022(argv), ENV, null, Map.of(0, slave, 1, slave, 2, slave));
            } finally {
                LibC.INSTANCE.close(slave);
            }
            RuntimeExec e = new RuntimeExec(id, workDir, stdio.stdin() ? pty.input("exec-stdin-" + id) : null,
                    pty.output("exec-tty-" + id), null, pty, null);
            e.runtimePid = pid;
            e.awaitOnPlatformThread(pid);
            return e;
        } catch (RuntimeException ex) {
            pty.close();
            throw ex;
        }
    }

    /**
     * The runtime on pipes, spawned like every other process of jcri's (no JVM signal dispositions or descriptors
     * reach it); streams the client does not use are /dev/null.
     */
    private static RuntimeExec onPipes(String id, Path workDir, List<String> argv, Stdio stdio) {
        int devNull = LibC.INSTANCE.open("/dev/null", O_RDWR | Syscalls.O_CLOEXEC, 0);
        if (devNull < 0) {
            throw ErrnoException.last("open", "/dev/null");
        }
        ExecPipes pipes = new ExecPipes(stdio.stdin(), stdio.stdout(), stdio.stderr());
        try {
            int pid = PosixSpawn.spawn(PosixSpawn.withUmask022(argv), ENV, null,
                    Map.of(0, orNull(pipes.childStdin(), devNull),
                    1, orNull(pipes.childStdout(), devNull), 2, orNull(pipes.childStderr(), devNull)));
            pipes.spawned();
            RuntimeExec e = new RuntimeExec(id, workDir, pipes.stdin("exec-stdin-" + id),
                    pipes.stdout("exec-stdout-" + id), pipes.stderr("exec-stderr-" + id), null, pipes);
            e.runtimePid = pid;
            e.awaitOnPlatformThread(pid);
            return e;
        } catch (RuntimeException ex) {
            pipes.close();
            throw ex;
        } finally {
            LibC.INSTANCE.close(devNull);
        }
    }

    private static int orNull(int fd, int devNull) {
        return fd >= 0 ? fd : devNull;
    }

    /** Reaps the runtime on a platform thread of its own: a blocking waitpid would pin a virtual thread's carrier. */
    private void awaitOnPlatformThread(int pid) {
        Thread.ofPlatform().daemon().name("exec-wait-" + containerId).start(() -> {
            try {
                exit.complete(waitFor(pid));
            } catch (RuntimeException ex) {
                exit.completeExceptionally(ex);
            }
        });
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    /** Resizes jcri's terminal and signals the runtime, which copies the size to the container's terminal. */
    @Override
    public void resize(int width, int height) {
        if (pty != null) {
            pty.resize(width, height);
            if (runtimePid > 0 && !exit.isDone()) {
                Syscalls.kill(runtimePid, SIGWINCH);
            }
        }
    }

    @Override
    public int awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new OciException("waiting for an exec in " + containerId + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    /** Kills the exec'd process if it still runs (the runtime then exits too) and removes the work files. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (!exit.isDone() && !killExecProcess() && runtimePid > 0) {
            // Not started yet: stopping the runtime stops the exec. The runtime is jcri's unreaped child while
            // exit is not done, so its pid cannot name another process.
            Syscalls.kill(runtimePid, Syscalls.SIGKILL);
        }
        if (pipes != null) {
            pipes.close();
        }
        if (pty != null) {
            pty.close();
        }
        Trees.deleteOrWarn(workDir);
    }

    /**
     * Kills the process the runtime started; false when it has not written its pid yet. The pid comes from a file,
     * so it is checked to still be the runtime's child through a pidfd before the signal goes out: a pid read
     * after that process ended may by now name an unrelated one.
     */
    private boolean killExecProcess() {
        Path pidFile = workDir.resolve("exec.pid");
        int pid;
        try {
            if (!Files.exists(pidFile)) {
                return false;
            }
            pid = Integer.parseInt(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            LOG.warn("container {}: cannot read the pid of an exec from {}: {}", containerId, pidFile,
                    e.getMessage());
            return false;
        }
        int pidfd = Syscalls.pidfdOpen(pid);
        if (pidfd < 0) {
            return true;
        }
        try {
            // Alive now (signal 0 through the pidfd) and the runtime's child: then the parent read was its own.
            if (parentOf(pid) == runtimePid && Syscalls.pidfdKill(pidfd, 0)) {
                LOG.debug("container {}: killing exec process {} of a client that left", containerId, pid);
                Syscalls.pidfdKill(pidfd, Syscalls.SIGKILL);
            }
        } finally {
            LibC.INSTANCE.close(pidfd);
        }
        return true;
    }

    private static int parentOf(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name in parentheses may hold spaces: fields are counted after its closing one.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Reaps the runtime on the calling platform thread: its exit code, or 128 + the signal that killed it. */
    private static int waitFor(int pid) {
        int[] status = new int[1];
        while (LibC.INSTANCE.waitpid(pid, status, 0) < 0) {
            int errno = Native.getLastError();
            if (errno != EINTR) {
                throw new ErrnoException("waitpid", String.valueOf(pid), errno);
            }
        }
        int s = status[0];
        return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
    }
}
