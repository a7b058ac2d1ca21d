package io.jcri.oci.ns;

import io.jcri.oci.Executables;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.KernelFiles;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.sys.PosixSpawn;
import io.jcri.oci.sys.ProcessExit;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.LoggerFactory;

/**
 * A pod's infra process (an init such as {@code catatonit -P}) as PID 1 of a new PID namespace that has joined the
 * pod's other namespaces. It runs in its own session with no stdio, so it outlives the daemon; the daemon finds it
 * again by pid.
 */
public final class InfraProcess {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private InfraProcess() {
    }

    /**
     * Starts {@code command} in a new PID namespace joined to {@code namespaces}, in its own session, and returns
     * its pid as the host sees it.
     */
    public static int start(String id, List<String> command, Map<NsType, Path> namespaces) {
        List<String> argv = new ArrayList<>(command);
        argv.set(0, Executables.find(command.getFirst()).orElseThrow(() -> new OciException(
                "infra process of " + id + ": '" + command.getFirst() + "' not found")).toString());
        return NamespaceThread.call("infra " + id, TIMEOUT, () -> {
            NamespaceThread.enter(namespaces);
            // CLONE_NEWPID applies to children of this thread only: the process spawned next is PID 1 there.
            // That also forbids this thread to create threads, so no ProcessBuilder here: it may need to start
            // the JDK's process-reaper thread, whose clone then fails. posix_spawn makes a process, not a thread.
            NamespaceThread.unshare(Syscalls.CLONE_NEWPID);
            return PosixSpawn.spawn(argv, List.of(OciDefaults.DEFAULT_PATH), "/dev/null", Map.of());
        });
    }

    /** The PID namespace file of a running infra process. */
    public static Path pidNamespace(int pid) {
        return Path.of("/proc", Integer.toString(pid), "ns", "pid");
    }

    /**
     * Kills the infra process if {@code pid} still is one running {@code binaryName} (a pid may be reused after a
     * reboot or a long stop), which also ends every process of its PID namespace, and waits up to 5 s for it to
     * end: reaped when this daemon started it, else collected by init (after a restart, init is its parent).
     */
    public static void kill(int pid, String binaryName) {
        if (pid <= 0 || !isInfra(pid, binaryName)) {
            return;
        }
        CompletableFuture<Integer> exit = ProcessExit.of(pid);
        Syscalls.kill(pid, Syscalls.SIGKILL);
        try {
            exit.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LoggerFactory.getLogger(InfraProcess.class).warn("infra process {} did not end within 5s of SIGKILL: {}",
                    pid, e.toString());
        }
    }

    /** Whether {@code pid} is a live process running {@code binaryName} (zombies do not count). */
    public static boolean isInfra(int pid, String binaryName) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            String stat = KernelFiles.read(proc.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == 'Z' || state == 'X') {
                return false;
            }
            return Path.of(Files.readSymbolicLink(proc.resolve("exe")).toString().replace(" (deleted)", ""))
                    .getFileName().toString().equals(Path.of(binaryName).getFileName().toString());
        } catch (IOException e) {
            return false;
        }
    }
}
