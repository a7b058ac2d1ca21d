package io.jcri.oci.spec;

import java.util.List;

/** The defaults that containerd and CRI-O give every container, in runtime-spec form. */
public final class OciDefaults {
    /** The capabilities a non-privileged container gets unless the config adds or drops some. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability the kernel knows (Linux 5.9+), in number order (CAP_CHOWN is 0). */
    public static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE",
            "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
            "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
            "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** Paths hidden from a non-privileged container. */
    public static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/scsi");

    /** Paths a non-privileged container sees read-only. */
    public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /** The system's directories, as the PATH of every process jcri starts and of a container that sets none. */
    public static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The environment PATH when neither the image nor the config sets one. */
    public static final String DEFAULT_PATH = "PATH=" + SYSTEM_PATH;

    private OciDefaults() {
    }

    /** /proc, /dev, /dev/pts, /dev/mqueue, /sys and the cgroup hierarchies; read-write sys and cgroup if privileged. */
    public static List<OciSpec.Mount> standardMounts(boolean privileged) {
        String sysMode = privileged ? "rw" : "ro";
        return List.of(
                new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755",
                        "size=65536k")),
                new OciSpec.Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance",
                        "ptmxmode=0666", "mode=0620", "gid=5")),
                new OciSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new OciSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)),
                new OciSpec.Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev",
                        "relatime", sysMode)));
    }

    /** The default-allowed character devices in the device cgroup (containerd's list), after a deny-all. */
    public static List<OciSpec.DeviceRule> defaultDeviceRules() {
        return List.of(
                new OciSpec.DeviceRule(false, "a", null, null, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 3L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 8L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 7L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 5L, 0L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 5L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 9L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 5L, 1L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 136L, null, "rwm"),
                new OciSpec.DeviceRule(true, "c", 5L, 2L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 10L, 200L, "rwm"));
    }
}
