package io.jcri.e2e;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Pod sandbox configs and calls for the e2e tests, and the command runner they use to look inside pods. */
final class Pods {
    private Pods() {
    }

    static PodSandboxConfig.Builder config(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e")
                        .setUid("uid-" + name).setAttempt(0))
                .setHostname(name)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
    }

    static PodSandboxConfig.Builder withDns(PodSandboxConfig.Builder b, String server, String search) {
        return b.setDnsConfig(DNSConfig.newBuilder().addServers(server).addSearches(search).addOptions("ndots:2"));
    }

    static String run(CriClients c, PodSandboxConfig config) {
        return c.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    static PodSandboxStatus status(CriClients c, String id) {
        return c.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus();
    }

    static void stopAndRemove(CriClients c, String id) {
        c.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        c.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    /** Stops and removes every pod the daemon knows; for cleanup, also after a failure. */
    static void removeAll(CriClients c) {
        for (PodSandbox p : c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            stopAndRemove(c, p.getId());
        }
    }

    /** Removes a test's own (empty) cgroup parent from every hierarchy; what is not there is fine. */
    static void removeCgroupParent(String parent) throws IOException {
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Files.deleteIfExists(h.resolve(parent.substring(1)));
            }
        }
    }

    /** Runs a command with a deadline; returns its exit code and output (stdout and stderr). */
    static Result exec(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Result(-1, "timed out: " + List.of(command));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** The output of a command that must succeed. */
    static String sh(String script) throws IOException, InterruptedException {
        Result r = exec(60, "sh", "-c", script);
        if (r.exit() != 0) {
            throw new IllegalStateException(script + " exited " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    record Result(int exit, String output) {
    }

    static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        for (String l : s.split("\n")) {
            if (!l.isBlank()) {
                out.add(l);
            }
        }
        return out;
    }
}
