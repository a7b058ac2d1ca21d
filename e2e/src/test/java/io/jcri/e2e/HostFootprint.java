package io.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What pods leave on the host, counted for one daemon with its own directory, network and cgroup parent (so other
 * daemons on the machine do not disturb the numbers): mounts under its directory, veths on its bridge, IPAM
 * reservations and iptables rules of its network (naming it or its subnet), cgroups under its parent in every hierarchy, infra processes in
 * those cgroups (zombies aside).
 */
record HostFootprint(long mounts, long veths, long ipamReservations, long iptablesRules, long podCgroups,
                     long infraProcesses) {

    static HostFootprint measure(Path daemonDir, ScratchNetwork net, String cgroupParent)
            throws IOException, InterruptedException {
        long mounts = Pods.lines(Files.readString(Path.of("/proc/self/mountinfo"))).stream()
                .filter(l -> l.contains(daemonDir.toString())).count();
        long veths = Pods.lines(Pods.exec(10, "ip", "-o", "link", "show", "master", net.bridge()).output())
                .stream().filter(l -> l.contains("veth")).count();
        long ipam = 0;
        if (Files.isDirectory(net.ipamDir())) {
            try (Stream<Path> s = Files.list(net.ipamDir())) {
                ipam = s.filter(p -> p.getFileName().toString().matches("[0-9a-f.:]+")).count();
            }
        }
        long rules = Pods.lines(Pods.sh("iptables-save")).stream()
                // bridge's masquerade rules name the network; portmap's DNAT rules name the pod's address.
                .filter(l -> l.contains(net.name()) || l.contains(net.subnetPrefix())).count();
        long cgroups = 0;
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(cgroupParent.substring(1));
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> s = Files.list(parent)) {
                        cgroups += s.filter(Files::isDirectory).count();
                    }
                }
            }
        }
        long infra = 0;
        for (String pid : Pods.lines(Pods.exec(10, "pgrep", "-x", "catatonit").output())) {
            Path cg = Path.of("/proc", pid.strip(), "cgroup");
            // A killed infra process whose parent died with an old daemon waits as a zombie for init to reap
            // it: it holds nothing but its pid, so it does not count.
            String stat = Pods.exec(5, "cat", "/proc/" + pid.strip() + "/stat").output();
            boolean zombie = stat.contains(") Z ") || stat.contains(") X ");
            if (!zombie && Files.exists(cg) && Files.readString(cg).contains(cgroupParent + "/")) {
                infra++;
            }
        }
        return new HostFootprint(mounts, veths, ipam, rules, cgroups, infra);
    }
}
