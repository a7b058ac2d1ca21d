package io.jcri.oci.sys;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc calls jcri makes directly, through JNA. Callers go through the thin wrappers in this package
 * ({@link Syscalls}), which turn a failure into an {@link ErrnoException} naming the call and errno.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int setns(int fd, int nstype);

    int unshare(int flags);

    int mknod(String path, int mode, long dev);

    int mkfifo(String path, int mode);

    int lchown(String path, int owner, int group);

    int lsetxattr(String path, String name, byte[] value, long size, int flags);

    long lgetxattr(String path, String name, byte[] value, long size);

    int kill(int pid, int sig);

    int getpid();

    long syscall(long number, Object... args);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int statfs(String path, Pointer buf);

    int utimensat(int dirfd, String path, long[] times, int flags);

    int fchmodat(int dirfd, String path, int mode, int flags);

    int chmod(String path, int mode);

    int umask(int mask);

    int close(int fd);

    int syncfs(int fd);

    int sync_file_range(int fd, long offset, long nbytes, int flags);

    int open(String path, int flags, int mode);

    int posix_spawn(int[] pid, String path, Pointer fileActions, Pointer attr, String[] argv, String[] envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int oflag, int mode);

    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);

    int pipe2(int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);

    int waitpid(int pid, int[] status, int options);

    int setrlimit(int resource, long[] rlim);

    int getrlimit(int resource, long[] rlim);

    int prlimit(int pid, int resource, long[] newLimit, long[] oldLimit);

    long read(int fd, byte[] buf, long count);

    long write(int fd, byte[] buf, long count);

    int poll(int[] pollfds, long nfds, int timeoutMillis);

    int epoll_create1(int flags);

    /** {@code event} is a {@code struct epoll_event} laid out as {@link Readiness} does. */
    int epoll_ctl(int epfd, int op, int fd, byte[] event);

    int epoll_wait(int epfd, byte[] events, int maxEvents, int timeoutMillis);

    int socket(int domain, int type, int protocol);

    int connect(int fd, byte[] sockaddr, int length);

    int bind(int fd, byte[] sockaddr, int length);

    long recv(int fd, byte[] buf, long count, int flags);

    int shutdown(int fd, int how);

    int posix_openpt(int flags);

    int grantpt(int fd);

    int unlockpt(int fd);

    int ptsname_r(int fd, byte[] buf, long length);

    int ioctl(int fd, long request, short[] arg);
}
