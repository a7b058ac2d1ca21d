package io.jcri.oci.sys;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.util.List;
import java.util.Map;

/**
 * Starts a process with posix_spawn so that nothing of the JVM's process state leaks into it: only the given
 * descriptors are open (the JVM keeps jar files without close-on-exec), every signal has its default disposition
 * and none is blocked, it runs in a session of its own, and in a working directory of the caller's choice (never
 * the daemon's: a monitor writes files such as {@code oom} relative to the one it inherits).
 */
public final class PosixSpawn {
    private static final LibC C = LibC.INSTANCE;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_APPEND = 02000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    /** Inherited descriptors are first moved at or above this, so the dup2 targets below it are free to take. */
    private static final int HIGH_FD = 64;

    private PosixSpawn() {
    }

    /**
     * {@code argv} run through a shell that sets umask 022 first. For the OCI runtime and the conmon above it:
     * runc makes a volume's missing mount points, and runc 1.1's exec runs the process, with the umask it
     * inherits, and jcri's own is 077.
     */
    public static List<String> withUmask022(List<String> argv) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("/bin/sh", "-c", "umask 022 && exec \"$0\" \"$@\""));
        wrapped.addAll(argv);
        return wrapped;
    }

    /**
     * Spawns {@code argv} with {@code inherit} mapping target descriptor numbers to descriptors of this process.
     * With an {@code outputFile}, stdin is /dev/null and stdout and stderr are appended to the file, and the
     * mapped targets are 3 and up; without one, the map must give 0, 1 and 2 as well.
     *
     * @return the child's pid
     */
    public static int spawn(List<String> argv, List<String> env, String outputFile, Map<Integer, Integer> inherit) {
        return spawn(argv, env, outputFile, inherit, "/");
    }

    /** Likewise, in working directory {@code cwd}. */
    public static int spawn(List<String> argv, List<String> env, String outputFile, Map<Integer, Integer> inherit,
                            String cwd) {
        Memory actions = new Memory(256);
        Memory attr = new Memory(512);
        Memory sigs = new Memory(128);
        check(C.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        int[] moved = new int[inherit.size()];
        int n = 0;
        try {
            check(C.posix_spawnattr_init(attr), "posix_spawnattr_init");
            try {
                check(C.posix_spawnattr_setflags(attr,
                        (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID)),
                        "posix_spawnattr_setflags");
                // Every bit set by hand: glibc's sigfillset leaves out its internal signals 32 and 33, and
                // posix_spawn then sets them to SIG_IGN in the child because the JVM's libc handles them.
                sigs.setMemory(0, 128, (byte) 0xff);
                check(C.posix_spawnattr_setsigdefault(attr, sigs), "posix_spawnattr_setsigdefault");
                C.sigemptyset(sigs);
                check(C.posix_spawnattr_setsigmask(attr, sigs), "posix_spawnattr_setsigmask");
                if (outputFile != null) {
                    check(C.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
                    check(C.posix_spawn_file_actions_addopen(actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND,
                            0600), "addopen");
                    check(C.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2");
                }
                int maxTarget = 2;
                for (Map.Entry<Integer, Integer> e : inherit.entrySet()) {
                    int high = C.fcntl(e.getValue(), F_DUPFD_CLOEXEC, HIGH_FD);
                    if (high < 0) {
                        throw ErrnoException.last("fcntl(F_DUPFD_CLOEXEC)", String.valueOf(e.getValue()));
                    }
                    moved[n++] = high;
                    check(C.posix_spawn_file_actions_adddup2(actions, high, e.getKey()), "adddup2");
                    maxTarget = Math.max(maxTarget, e.getKey());
                }
                check(C.posix_spawn_file_actions_addclosefrom_np(actions, maxTarget + 1), "addclosefrom_np");
                check(C.posix_spawn_file_actions_addchdir_np(actions, cwd), "addchdir_np");
                int[] pid = new int[1];
                String[] args = argv.toArray(new String[0]);
                String[] envp = env.toArray(new String[0]);
                int rc = C.posix_spawn(pid, args[0], actions, attr, nullTerminated(args), nullTerminated(envp));
                if (rc != 0) {
                    throw new ErrnoException("posix_spawn", args[0], rc);
                }
                return pid[0];
            } finally {
                C.posix_spawnattr_destroy(attr);
            }
        } finally {
            C.posix_spawn_file_actions_destroy(actions);
            for (int i = 0; i < n; i++) {
                C.close(moved[i]);
            }
        }
    }

    private static String[] nullTerminated(String[] a) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = null;
        return r;
    }

    private static void check(int rc, String call) {
        if (rc != 0) {
            throw new ErrnoException(call, "", rc == -1 ? Native.getLastError() : rc);
        }
    }
}
