package io.jcri.oci.sys;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.jcri.oci.OciException;

/**
 * Thin checked wrappers over {@link LibC}: each returns on success and throws an {@link ErrnoException} naming the
 * call on failure. Constants are Linux x86_64 values.
 */
public final class Syscalls {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_MOVE = 8192;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final int MNT_DETACH = 2;
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int AT_FDCWD = -100;
    public static final int O_CLOEXEC = 02000000;
    public static final int SIGKILL = 9;
    private static final int O_NOFOLLOW = 0400000;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINVAL = 22;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;

    private static final LibC C = LibC.INSTANCE;
    private static final int STATFS_SIZE = 120;
    private static final int STATFS_BSIZE = 8;
    private static final int STATFS_BLOCKS = 16;
    private static final int STATFS_FILES = 40;
    private static final int STATFS_FFREE = 48;
    private static final int STATFS_FRSIZE = 72;

    private Syscalls() {
    }

    public static void mount(String source, String target, String fstype, long flags, String data) {
        if (C.mount(source, target, fstype, flags, data) != 0) {
            throw ErrnoException.last("mount", source + " on " + target);
        }
    }

    /** Unmounts; a target that is not mounted (EINVAL) or gone (ENOENT) counts as done. */
    public static void umount(String target, int flags) {
        if (C.umount2(target, flags) != 0) {
            ErrnoException e = ErrnoException.last("umount2", target);
            if (e.errno() != EINVAL && e.errno() != ENOENT) {
                throw e;
            }
        }
    }

    public static void mknod(String path, int mode, long dev) {
        if (C.mknod(path, mode, dev) != 0) {
            throw ErrnoException.last("mknod", path);
        }
    }

    public static void lchown(String path, int uid, int gid) {
        if (C.lchown(path, uid, gid) != 0) {
            throw ErrnoException.last("lchown", path);
        }
    }

    public static void lsetxattr(String path, String name, byte[] value) {
        if (C.lsetxattr(path, name, value, value.length, 0) != 0) {
            throw ErrnoException.last("lsetxattr", path + " " + name);
        }
    }

    /** Sets all mode bits, setuid/setgid/sticky included (which java.nio cannot set). Follows symlinks. */
    public static void chmod(String path, int mode) {
        if (C.chmod(path, mode) != 0) {
            throw ErrnoException.last("chmod", path);
        }
    }

    /** Sets the process's file mode creation mask (every thread's); returns the previous one. */
    public static int umask(int mask) {
        return C.umask(mask);
    }

    /** Sets access and modification time of {@code path} itself, not of a symlink's target. */
    public static void lutimes(String path, long epochSecond, long nanos) {
        long[] times = {epochSecond, nanos, epochSecond, nanos};
        if (C.utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0) {
            throw ErrnoException.last("utimensat", path);
        }
    }

    /** Flushes the whole filesystem holding {@code path} to disk (one call instead of an fsync per file). */
    public static void syncfs(String path) {
        int fd = C.open(path, O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", path);
        }
        try {
            if (C.syncfs(fd) != 0) {
                throw ErrnoException.last("syncfs", path);
            }
        } finally {
            C.close(fd);
        }
    }

    /**
     * The size and inodes of the filesystem holding {@code path}.
     *
     * @param totalBytes its size
     * @param inodes     its inodes, used or not
     * @param inodesFree its free inodes
     */
    public record FsSpace(long totalBytes, long inodes, long inodesFree) {
    }

    /** statfs(2): the 64-bit {@code struct statfs} (120 bytes), read at its fields' offsets. */
    public static FsSpace statfs(String path) {
        try (Memory buf = new Memory(STATFS_SIZE)) {
            if (C.statfs(path, buf) != 0) {
                throw ErrnoException.last("statfs", path);
            }
            long frsize = buf.getLong(STATFS_FRSIZE);
            long unit = frsize > 0 ? frsize : buf.getLong(STATFS_BSIZE);
            return new FsSpace(buf.getLong(STATFS_BLOCKS) * unit, buf.getLong(STATFS_FILES),
                    buf.getLong(STATFS_FFREE));
        }
    }

    /** A read-only descriptor of {@code path} (not following a final symlink), to be given back to {@link #close}. */
    public static int openReadOnly(String path) {
        int fd = C.open(path, O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", path);
        }
        return fd;
    }

    public static void close(int fd) {
        if (C.close(fd) != 0) {
            throw ErrnoException.last("close", String.valueOf(fd));
        }
    }

    /**
     * Starts writing the dirty pages of a byte range of the file behind {@code fd} to disk without waiting for
     * them, so that a later sync has less left to wait for.
     */
    public static void startWriteback(int fd, long offset, long length) {
        if (C.sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) != 0) {
            throw ErrnoException.last("sync_file_range", String.valueOf(fd));
        }
    }

    /** Sends a signal; false when the process no longer exists. */
    private static final int O_NONBLOCK = 04000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;

    /** A close-on-exec pipe into {@code fds} (read end, write end); {@code what} names it in errors. */
    public static void pipe(int[] fds, String what) {
        if (C.pipe2(fds, O_CLOEXEC) != 0) {
            throw ErrnoException.last("pipe2", what);
        }
    }

    /** Makes reads and writes of {@code fd} return at once (EAGAIN) instead of waiting. */
    public static void nonBlocking(int fd) {
        int flags = C.fcntl(fd, F_GETFL, 0);
        if (flags < 0 || C.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            throw ErrnoException.last("fcntl(O_NONBLOCK)", "fd " + fd);
        }
    }

    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_MOUNT_SETATTR = 442;
    private static final int ENOSYS = 38;

    /**
     * Whether the kernel has mount_setattr(2) (Linux 5.12), with which runtimes make a mount read-only with all
     * its submounts. Asked with arguments that are invalid on purpose: a kernel with the call refuses them (EBADF,
     * EINVAL), one without it answers ENOSYS.
     */
    public static boolean hasMountSetattr() {
        return C.syscall(SYS_MOUNT_SETATTR, -1, null, 0, null, 0L) == 0 || Native.getLastError() != ENOSYS;
    }

    /**
     * A pidfd for {@code pid}, or -1 when no such process exists (any more). Signals sent through it reach that
     * process and never one that reused its pid later.
     */
    public static int pidfdOpen(int pid) {
        int fd = (int) C.syscall(SYS_PIDFD_OPEN, pid, 0);
        if (fd < 0) {
            int errno = Native.getLastError();
            if (errno == ESRCH) {
                return -1;
            }
            throw new ErrnoException("pidfd_open", String.valueOf(pid), errno);
        }
        return fd;
    }

    /** Signals the process behind {@code pidfd}; false when it has exited already. */
    public static boolean pidfdKill(int pidfd, int signal) {
        if (C.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, null, 0) != 0) {
            int errno = Native.getLastError();
            if (errno == ESRCH) {
                return false;
            }
            throw new ErrnoException("pidfd_send_signal", String.valueOf(pidfd), errno);
        }
        return true;
    }

    public static boolean kill(int pid, int signal) {
        if (C.kill(pid, signal) != 0) {
            ErrnoException e = ErrnoException.last("kill", pid + " " + signal);
            if (e.errno() == ESRCH) {
                return false;
            }
            throw e;
        }
        return true;
    }

    /** Whether a process with this pid exists (signal 0). */
    public static boolean alive(int pid) {
        return pid > 0 && (C.kill(pid, 0) == 0 || com.sun.jna.Native.getLastError() == 1 /* EPERM */);
    }

    /** A {@code sockaddr_un} for {@code path} (a leading NUL byte names an abstract socket). */
    public static byte[] sockaddrUn(byte[] path) {
        if (path.length > 107) {
            throw new OciException("socket path too long (" + path.length + " bytes, at most 107)");
        }
        byte[] addr = new byte[110];
        addr[0] = 1; // AF_UNIX, little-endian sa_family_t
        System.arraycopy(path, 0, addr, 2, path.length);
        return addr;
    }

    /** Encodes a device number the way glibc's makedev does. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }
}
