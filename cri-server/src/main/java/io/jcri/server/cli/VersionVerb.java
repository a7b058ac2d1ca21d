package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.server.BuildInfo;
import picocli.CommandLine.Command;

/** {@code jcri version}: this client's version, and the daemon's when it answers (like {@code docker version}). */
@Command(name = "version", description = "Print the client's version and, when reachable, the daemon's.")
public final class VersionVerb extends ClientVerb {
    static String clientLine() {
        return BuildInfo.NAME + " " + BuildInfo.version() + " (CRI v1)";
    }

    @Override
    int run(CriClients cri) {
        VersionResponse v = cri.runtime().version(VersionRequest.getDefaultInstance());
        if (json) {
            out().println("{\"client\": {\"name\": \"" + BuildInfo.NAME + "\", \"version\": \"" + BuildInfo.version()
                    + "\"},\n\"server\": " + json(v) + "}");
        } else {
            out().println("Client: " + clientLine());
            out().println("Server: " + v.getRuntimeName() + " " + v.getRuntimeVersion() + " (CRI "
                    + v.getRuntimeApiVersion() + ") at " + options().endpoint());
        }
        out().flush();
        return 0;
    }

    /** The client's line comes first, so that it shows even when the daemon cannot be reached. */
    @Override
    int fail(String message) {
        if (!json) {
            out().println("Client: " + clientLine());
            out().flush();
        }
        return super.fail(message);
    }
}
