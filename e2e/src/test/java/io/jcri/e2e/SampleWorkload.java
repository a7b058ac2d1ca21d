package io.jcri.e2e;

import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Something for read-only tools to look at: a pod on the host network (no CNI needed) with a running container
 * that has written one line to stdout and one to stderr.
 */
record SampleWorkload(String image, String podId, String podName, String containerId, String containerName,
                      Path logFile) {
    static final String OUT_LINE = "hello from stdout";
    static final String ERR_LINE = "hello from stderr";

    /** Pushes and pulls a busybox image named {@code name}, runs the pod and the container. */
    static SampleWorkload start(FixtureDaemon fixture, String name) throws Exception {
        String image = fixture.pushAndPull("e2e/" + name, "", FixtureDaemon.busybox(List.of("echo", "sleep"),
                "root:x:0:0:root:/root:/bin/sh\n", "root:x:0:\n"));
        Path logDir = Files.createDirectories(fixture.jcri().dir().resolve("logs").resolve(name));
        PodSandboxConfig.Builder b = Pods.config(name + "-pod").setLogDirectory(logDir.toString());
        b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.NODE);
        PodSandboxConfig pod = b.build();
        String podId = Pods.run(fixture.cri(), pod);
        String containerName = name + "-app";
        String containerId = Containers.run(fixture.cri(), podId, pod, Containers.config(containerName, image,
                "sh", "-c", "echo '" + OUT_LINE + "'; echo '" + ERR_LINE + "' >&2; exec sleep 3600"));
        Path log = logDir.resolve(containerName + ".log");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(ERR_LINE))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the container wrote no log lines to " + log);
            }
            Thread.sleep(50);
        }
        return new SampleWorkload(image, podId, pod.getMetadata().getName(), containerId, containerName, log);
    }

    /** Keeps the daemon's log as {@code target/<testName>-jcri.log}, removes every container and pod, stops all. */
    static void close(FixtureDaemon fixture, String testName) throws Exception {
        if (fixture == null) {
            return;
        }
        fixture.keepLog(testName);
        try {
            Containers.removeAll(fixture.cri());
            Pods.removeAll(fixture.cri());
        } finally {
            fixture.close();
        }
    }
}
