package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.CgroupDriver;
import io.jcri.cri.v1.CheckpointContainerRequest;
import io.jcri.cri.v1.NetworkConfig;
import io.jcri.cri.v1.RuntimeConfig;
import io.jcri.cri.v1.RuntimeConfigRequest;
import io.jcri.cri.v1.UpdateRuntimeConfigRequest;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The daemon as a process: its socket, Version, Status, unimplemented RPCs, and exclusion of a second daemon. */
class DaemonTest {
    private static JcriProcess jcri;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        jcri = JcriProcess.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (jcri != null) {
            jcri.close();
        }
    }

    @Test
    void versionNamesJcriAndApiV1() {
        try (CriClients c = jcri.client()) {
            VersionResponse v = c.runtime().version(VersionRequest.getDefaultInstance());
            assertThat(v.getRuntimeName()).isEqualTo("jcri");
            assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
            assertThat(v.getRuntimeVersion()).isNotBlank();
        }
    }

    @Test
    void statusReportsBothConditionsHonestly() {
        try (CriClients c = jcri.client()) {
            StatusResponse s = c.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
            assertThat(s.getStatus().getConditionsList()).extracting(RuntimeCondition::getType)
                    .containsExactlyInAnyOrder("RuntimeReady", "NetworkReady");
            RuntimeCondition runtime = s.getStatus().getConditionsList().stream()
                    .filter(x -> x.getType().equals("RuntimeReady")).findFirst().orElseThrow();
            assertThat(runtime.getStatus()).as(runtime.getMessage()).isTrue();
            for (RuntimeCondition cond : s.getStatus().getConditionsList()) {
                if (!cond.getStatus()) {
                    assertThat(cond.getReason()).isNotBlank();
                    assertThat(cond.getMessage()).isNotBlank();
                }
            }
            assertThat(s.getInfoMap().get("config")).contains("\"socket\"");
        }
    }

    @Test
    void runtimeConfigReportsCgroupfsAndKeepsThePodCidr() {
        try (CriClients c = jcri.client()) {
            assertThat(c.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux()
                    .getCgroupDriver()).isEqualTo(CgroupDriver.CGROUPFS);
            c.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(
                    RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder()
                            .setPodCidr("10.88.0.0/16"))).build());
            assertThat(c.runtime().status(StatusRequest.newBuilder().setVerbose(true).build())
                    .getInfoMap().get("podCIDR")).isEqualTo("10.88.0.0/16");
        }
    }

    @Test
    void checkpointOfAnUnknownContainerIsNotFound() {
        try (CriClients c = jcri.client()) {
            assertThatThrownBy(() -> c.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder()
                    .setContainerId("nosuchcontainer").setLocation("/tmp/x.tar").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    @Test
    void socketIsGroupReadableOnly() throws Exception {
        PosixFileAttributes a = Files.readAttributes(jcri.socket(), PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(a.permissions())).isEqualTo("rw-rw----");
        assertThat(a.group().getName()).isEqualTo("root");
    }

    @Test
    void secondDaemonOnTheSameSocketIsRefused() throws Exception {
        Process second = jcri.command("serve").redirectErrorStream(true).start();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.exitValue()).as(out).isNotZero();
        assertThat(out).contains("already serves on");
        try (CriClients c = jcri.client()) {
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("jcri");
        }
    }

    @Test
    void sigtermStopsCleanlyAndRemovesTheSocket() throws Exception {
        try (JcriProcess other = JcriProcess.start("")) {
            assertThat(other.stop()).as(other.logText()).isZero();
            assertThat(Files.exists(other.socket())).isFalse();
        }
    }
}
