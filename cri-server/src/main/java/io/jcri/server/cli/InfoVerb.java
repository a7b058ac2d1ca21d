package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.RuntimeHandler;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code jcri info}: the daemon's version, conditions, handlers and (with --json) its configuration. */
@Command(name = "info", description = "Show the daemon's version, conditions and runtime handlers.")
public final class InfoVerb extends ClientVerb {
    @Override
    int run(CriClients cri) {
        VersionResponse v = cri.runtime().version(VersionRequest.getDefaultInstance());
        StatusResponse s = cri.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
        if (json) {
            out().println("{\"version\": " + json(v) + ",\n\"status\": " + json(s) + "}");
            out().flush();
            return 0;
        }
        out().println("Endpoint:   " + options().endpoint());
        out().println("Runtime:    " + v.getRuntimeName() + " " + v.getRuntimeVersion() + " (CRI "
                + v.getRuntimeApiVersion() + ")");
        out().println("Handlers:   " + s.getRuntimeHandlersList().stream().map(RuntimeHandler::getName)
                .map(n -> n.isEmpty() ? "(default)" : n).collect(Collectors.joining(", ")));
        String cidr = s.getInfoMap().getOrDefault("podCIDR", "");
        out().println("Pod CIDR:   " + (cidr.isEmpty() ? "-" : cidr));
        out().println("Conditions:");
        Table t = new Table("  TYPE", "STATUS", "REASON", "MESSAGE");
        for (RuntimeCondition c : s.getStatus().getConditionsList()) {
            t.row("  " + c.getType(), c.getStatus(), c.getReason().isEmpty() ? "-" : c.getReason(),
                    c.getMessage().isEmpty() ? "-" : c.getMessage());
        }
        t.print(out());
        return 0;
    }
}
