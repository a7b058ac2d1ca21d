package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStateValue;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListContainersResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jcri ps [-a]}: running containers, or all of them. */
@Command(name = "ps", description = "List running containers (-a: all).")
public final class PsVerb extends ClientVerb {
    @Option(names = {"-a", "--all"}, description = "Show every container, not only running ones.")
    boolean all;

    @Override
    int run(CriClients cri) {
        ListContainersRequest.Builder req = ListContainersRequest.newBuilder();
        if (!all) {
            req.setFilter(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                    .setState(ContainerState.CONTAINER_RUNNING)));
        }
        ListContainersResponse r = cri.runtime().listContainers(req.build());
        if (json) {
            printJson(r);
            return 0;
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        Table t = new Table("CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID");
        for (Container c : r.getContainersList()) {
            t.row(Table.shortId(c.getId()), c.getImage().getImage(), Table.ago(c.getCreatedAt(), now),
                    c.getState().name().replace("CONTAINER_", ""), c.getMetadata().getName(),
                    c.getMetadata().getAttempt(), Table.shortId(c.getPodSandboxId()));
        }
        t.print(out());
        return 0;
    }
}
