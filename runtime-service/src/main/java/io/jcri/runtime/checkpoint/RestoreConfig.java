package io.jcri.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.KeyValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The CRI config a container restored from a checkpoint is created with: the request's own (metadata, labels,
 * annotations, log path, mounts, devices, Linux security context and resources: what the pod and its author are
 * allowed), on the image the checkpoint was taken from, with the checkpointed process (command, arguments,
 * environment, working directory, terminal, stdin) taken from jcri's {@code cri-config.pb} or, in an archive
 * another engine wrote (CRI-O, Podman, containerd), from {@code spec.dump}. An archive may come from a registry:
 * nothing in it grants more than the request does. CRIU restores only when the request mounts what the
 * checkpointed container had mounted, as kubelet does for the same pod spec.
 */
public final class RestoreConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RestoreConfig() {
    }

    /** The config to create from the unpacked checkpoint in {@code dir} and the CreateContainer {@code request}. */
    public static ContainerConfig of(Path dir, ContainerConfig request, String image) throws IOException {
        ContainerConfig.Builder c = request.toBuilder().clearCommand().clearArgs().clearEnvs()
                .setImage(request.getImage().toBuilder().setImage(image));
        Path pb = dir.resolve(CheckpointArchive.CRI_CONFIG);
        if (Files.isRegularFile(pb, LinkOption.NOFOLLOW_LINKS)) {
            ContainerConfig original = ContainerConfig.parseFrom(Files.readAllBytes(pb));
            return c.addAllCommand(original.getCommandList()).addAllArgs(original.getArgsList())
                    .addAllEnvs(original.getEnvsList()).setWorkingDir(original.getWorkingDir())
                    .setTty(original.getTty()).setStdin(original.getStdin()).setStdinOnce(original.getStdinOnce())
                    .build();
        }
        JsonNode process = JSON.readTree(dir.resolve(CheckpointArchive.SPEC_DUMP).toFile()).path("process");
        process.path("args").forEach(a -> c.addCommand(a.asText()));
        for (JsonNode e : process.path("env")) {
            String kv = e.asText();
            int eq = kv.indexOf('=');
            if (eq > 0) {
                c.addEnvs(KeyValue.newBuilder().setKey(kv.substring(0, eq))
                        .setValue(ByteString.copyFromUtf8(kv.substring(eq + 1))));
            }
        }
        return c.setWorkingDir(process.path("cwd").asText("")).setTty(process.path("terminal").asBoolean(false))
                .build();
    }
}
