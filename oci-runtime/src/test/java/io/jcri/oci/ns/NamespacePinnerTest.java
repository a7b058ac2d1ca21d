package io.jcri.oci.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.oci.cgroup.CgroupDriver;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.oci.cgroup.CgroupResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Component test with the real kernel: needs root, skipped otherwise. */
class NamespacePinnerTest {
    @TempDir
    Path run;

    @Test
    void pinsSetsHostnameAndSysctlsWithoutTouchingTheDaemonAndUnpins() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: skipped");
        String ownNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String ownHost = read("/proc/sys/kernel/hostname");
        NamespacePinner pinner = new NamespacePinner(run);
        Map<NsType, Path> ns = pinner.pin("t1", Set.of(NsType.NET, NsType.IPC, NsType.UTS), "podhost");
        try {
            assertThat(ns).containsKeys(NsType.NET, NsType.IPC, NsType.UTS);
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(run.resolve("netns/t1").toString());
            pinner.applySysctls("t1", ns, Map.of("net.ipv4.ip_unprivileged_port_start", "99",
                    "kernel.shmmni", "1234"));
            String inside = NamespaceThread.call("check", java.time.Duration.ofSeconds(5), () -> {
                NamespaceThread.enter(ns);
                return read("/proc/sys/kernel/hostname") + " " + read("/proc/sys/net/ipv4/ip_unprivileged_port_start")
                        + " " + read("/proc/sys/kernel/shmmni");
            });
            assertThat(inside).isEqualTo("podhost 99 1234");
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString()).isEqualTo(ownNet);
            assertThat(read("/proc/sys/kernel/hostname")).isEqualTo(ownHost);
            assertThat(read("/proc/sys/kernel/shmmni")).isNotEqualTo("1234");
        } finally {
            pinner.unpin("t1");
            pinner.unpin("t1");
        }
        assertThat(Files.exists(run.resolve("netns/t1"))).isFalse();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(run.toString());
    }

    @Test
    void infraRunsAsPidOneInTheCgroupAndDies() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: skipped");
        NamespacePinner pinner = new NamespacePinner(run);
        CgroupManager cgroups = CgroupManager.forHost(CgroupDriver.CGROUPFS);
        String cg = cgroups.podCgroup("/jcri-test", "t2");
        Map<NsType, Path> ns = pinner.pin("t2", Set.of(NsType.NET, NsType.IPC, NsType.UTS), "h");
        int pid = 0;
        try {
            cgroups.create(cg, new CgroupResources(512, 20_000, 100_000, 64 << 20, "", ""));
            assertThat(cgroups.read(cg)).isEqualTo(new CgroupResources(512, 20_000, 100_000, 64 << 20,
                    cgroups.read(cg).cpusetCpus(), cgroups.read(cg).cpusetMems()));
            pid = InfraProcess.start("t2", List.of("catatonit", "-P"), ns);
            cgroups.addProcess(cg, pid);
            // the started process becomes catatonit once it has exec'd; nothing tells when
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!InfraProcess.isInfra(pid, "catatonit") && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(InfraProcess.isInfra(pid, "catatonit")).isTrue();
            assertThat(Files.getAttribute(Path.of("/proc/" + pid + "/ns/net"), "unix:ino"))
                    .isEqualTo(Files.getAttribute(ns.get(NsType.NET), "unix:ino"));
            assertThat(read("/proc/" + pid + "/status")).containsPattern("NSpid:\\s+"
                    + pid + "\\s+1\\n");
        } finally {
            InfraProcess.kill(pid, "catatonit");
            cgroups.remove(cg);
            cgroups.remove("/jcri-test");
            pinner.unpin("t2");
        }
        assertThat(InfraProcess.isInfra(pid, "catatonit")).isFalse();
        assertThat(cgroups.exists(cg)).isFalse();
    }

    /** procfs reports sizes that Files.readString trusts wrongly; streams read everything. */
    private static String read(String path) throws java.io.IOException {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes()).strip();
        }
    }
}
