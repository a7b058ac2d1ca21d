package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxResponse;
import io.jcri.cri.v1.PodSandbox;
import picocli.CommandLine.Command;

/** {@code jcri pods}: every pod sandbox. */
@Command(name = "pods", description = "List pod sandboxes.")
public final class PodsVerb extends ClientVerb {
    @Override
    int run(CriClients cri) {
        ListPodSandboxResponse r = cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
        if (json) {
            printJson(r);
            return 0;
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        Table t = new Table("POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME");
        for (PodSandbox p : r.getItemsList()) {
            t.row(Table.shortId(p.getId()), Table.ago(p.getCreatedAt(), now),
                    p.getState().name().replace("SANDBOX_", ""),
                    p.getMetadata().getName(), p.getMetadata().getNamespace(), p.getMetadata().getAttempt(),
                    p.getRuntimeHandler().isEmpty() ? "(default)" : p.getRuntimeHandler());
        }
        t.print(out());
        return 0;
    }
}
