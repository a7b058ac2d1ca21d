package io.jcri.runtime.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreConfigTest {
    private static final ContainerConfig REQUEST = ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName("restored"))
            .setImage(ImageSpec.newBuilder().setImage("registry.test/checkpoint:1"))
            .addCommand("ignored").addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/pod/data"))
            .putLabels("pod", "new").setLogPath("restored.log").build();

    @TempDir
    Path dir;

    @Test
    void takesOnlyTheProcessFromJcrisConfigAndEverythingElseFromTheRequest() throws Exception {
        ContainerConfig checkpointed = ContainerConfig.newBuilder().addCommand("sh").addArgs("-c").addArgs("loop")
                .addEnvs(KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8("1"))).setWorkingDir("/w").setTty(true)
                .addMounts(Mount.newBuilder().setContainerPath("/host").setHostPath("/"))
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setPrivileged(true))).build();
        Files.write(dir.resolve(CheckpointArchive.CRI_CONFIG), checkpointed.toByteArray());

        ContainerConfig c = RestoreConfig.of(dir, REQUEST, "sha256:abc");

        assertThat(c.getCommandList()).containsExactly("sh");
        assertThat(c.getArgsList()).containsExactly("-c", "loop");
        assertThat(c.getEnvsList()).extracting(KeyValue::getKey).containsExactly("A");
        assertThat(c.getWorkingDir()).isEqualTo("/w");
        assertThat(c.getTty()).isTrue();
        assertThat(c.getImage().getImage()).isEqualTo("sha256:abc");
        assertThat(c.getMountsList()).extracting(Mount::getContainerPath).containsExactly("/data");
        assertThat(c.getLinux().getSecurityContext().getPrivileged()).as("an archive grants nothing").isFalse();
        assertThat(c.getMetadata().getName()).isEqualTo("restored");
        assertThat(c.getLabelsMap()).containsEntry("pod", "new");
        assertThat(c.getLogPath()).isEqualTo("restored.log");
    }

    @Test
    void takesTheProcessFromTheSpecDumpOfAnArchiveAnotherEngineWrote() throws Exception {
        Files.writeString(dir.resolve(CheckpointArchive.SPEC_DUMP), """
                {"process":{"args":["/bin/app","--serve"],"env":["PATH=/bin","EMPTY=","NOEQUALS"],"cwd":"/srv",
                 "terminal":false},
                 "mounts":[{"destination":"/host","type":"bind","source":"/"}],
                 "annotations":{"io.container.manager":"cri-o"}}
                """);

        ContainerConfig c = RestoreConfig.of(dir, REQUEST, "0123abcd");

        assertThat(c.getCommandList()).containsExactly("/bin/app", "--serve");
        assertThat(c.getArgsList()).isEmpty();
        assertThat(c.getEnvsList()).extracting(e -> e.getKey() + "=" + e.getValue().toStringUtf8()).containsExactly("PATH=/bin",
                "EMPTY=");
        assertThat(c.getWorkingDir()).isEqualTo("/srv");
        assertThat(c.getImage().getImage()).isEqualTo("0123abcd");
        assertThat(c.getMountsList()).extracting(Mount::getHostPath).containsExactly("/pod/data");
    }
}
