package io.jcri.runtime.sandbox;

import io.jcri.cri.v1.DNSConfig;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The files a pod's containers mount: {@code /etc/hostname}, {@code /etc/hosts}, {@code /etc/resolv.conf}, and the
 * pod's {@code /dev/shm} tmpfs when it has its own IPC namespace.
 */
public final class PodFiles {
    static final String SHM_OPTIONS = "mode=1777,size=65536k";
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final Path shmRoot;

    /** @param shmRoot where the pods' shm mounts go, {@code <run_root>/shm} */
    public PodFiles(Path shmRoot) {
        this.shmRoot = shmRoot;
    }

    public Path shmPath(String id) {
        return shmRoot.resolve(id);
    }

    /**
     * Writes hostname, hosts and resolv.conf into {@code dir}, each 0644: every user of a container reads them
     * (the directory above, under jcri's state root, keeps other host accounts out).
     */
    public void write(Path dir, String hostname, String ip, DNSConfig dns) throws IOException {
        writeReadable(dir.resolve("hostname"), (hostname + "\n").getBytes(StandardCharsets.UTF_8));
        writeReadable(dir.resolve("hosts"), hosts(hostname, ip).getBytes(StandardCharsets.UTF_8));
        byte[] resolv = dns.getServersCount() + dns.getSearchesCount() + dns.getOptionsCount() == 0
                && Files.isReadable(HOST_RESOLV_CONF)
                ? Files.readAllBytes(HOST_RESOLV_CONF) : resolvConf(dns).getBytes(StandardCharsets.UTF_8);
        writeReadable(dir.resolve("resolv.conf"), resolv);
    }

    private static void writeReadable(Path file, byte[] content) throws IOException {
        AtomicFiles.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Mounts a fresh 64 MiB tmpfs for the pod's {@code /dev/shm}. */
    public Path mountShm(String id) throws IOException {
        Path target = shmPath(id);
        Files.createDirectories(target);
        Syscalls.mount("shm", target.toString(), "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV
                | Syscalls.MS_NOEXEC, SHM_OPTIONS);
        return target;
    }

    /** Unmounts and deletes the pod's shm directory; what is gone already is fine. */
    public void unmountShm(String id) throws IOException {
        Path target = shmPath(id);
        if (Files.exists(target)) {
            Syscalls.umount(target.toString(), Syscalls.MNT_DETACH);
            Files.deleteIfExists(target);
        }
    }

    static String hosts(String hostname, String ip) {
        StringBuilder b = new StringBuilder("""
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::0\tip6-localnet
                fe00::0\tip6-mcastprefix
                fe00::1\tip6-allnodes
                fe00::2\tip6-allrouters
                """);
        if (ip != null && !ip.isEmpty()) {
            b.append(ip).append('\t').append(hostname).append('\n');
        }
        return b.toString();
    }

    static String resolvConf(DNSConfig dns) {
        List<String> lines = new ArrayList<>();
        if (dns.getSearchesCount() > 0) {
            lines.add("search " + String.join(" ", dns.getSearchesList()));
        }
        dns.getServersList().forEach(s -> lines.add("nameserver " + s));
        if (dns.getOptionsCount() > 0) {
            lines.add("options " + String.join(" ", dns.getOptionsList()));
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }
}
