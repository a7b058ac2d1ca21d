package io.jcri.runtime.container;

import io.jcri.oci.runtime.OciRuntimes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the container service is configured with.
 *
 * @param stateRoot jcri's persistent state ({@code containers/} goes under it)
 * @param runRoot   jcri's volatile state ({@code conmon/}, {@code exits/}, {@code runtime/<handler>})
 * @param handlers  the runtime handlers by name
 * @param conmon    the conmon binary (name or path)
 * @param ulimits   the node's default ulimits for containers, by name ({@code nofile}, ...)
 * @param cgroupV2  whether the host uses the unified cgroup hierarchy
 * @param criu      the CRIU binary (name or path) for checkpoint and restore
 * @param cdiSpecDirs the directories of CDI spec files, lowest priority first
 */
public record ContainerSettings(Path stateRoot, Path runRoot, Map<String, OciRuntimes.HandlerConfig> handlers,
                                String conmon, Map<String, Long> ulimits, boolean cgroupV2, String criu,
                                List<Path> cdiSpecDirs) {
    public ContainerSettings {
        cdiSpecDirs = List.copyOf(cdiSpecDirs);
        handlers = Map.copyOf(handlers);
        ulimits = Map.copyOf(ulimits);
    }
}
