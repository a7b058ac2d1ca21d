package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainerStatsResponse;
import picocli.CommandLine.Command;

/** {@code jcri stats}: CPU time, memory and writable-layer use of each container. */
@Command(name = "stats", description = "Show containers' resource use.")
public final class StatsVerb extends ClientVerb {
    @Override
    int run(CriClients cri) {
        ListContainerStatsResponse r = cri.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance());
        if (json) {
            printJson(r);
            return 0;
        }
        Table t = new Table("CONTAINER", "NAME", "CPU TIME", "MEM", "DISK", "INODES");
        for (ContainerStats s : r.getStatsList()) {
            t.row(Table.shortId(s.getAttributes().getId()), s.getAttributes().getMetadata().getName(),
                    String.format("%.2fs", s.getCpu().getUsageCoreNanoSeconds().getValue() / 1e9),
                    Table.size(s.getMemory().getWorkingSetBytes().getValue()),
                    Table.size(s.getWritableLayer().getUsedBytes().getValue()),
                    s.getWritableLayer().getInodesUsed().getValue());
        }
        t.print(out());
        return 0;
    }
}
