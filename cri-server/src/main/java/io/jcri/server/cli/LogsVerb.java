package io.jcri.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.api.v1.LogChunk;
import io.jcri.api.v1.ReadLogRequest;
import io.jcri.cri.CriClients;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jcri logs ID}: a container's log as the daemon has it (also from another host), stdout lines to stdout
 * and stderr lines to stderr, partial lines joined as the runtime wrote them.
 */
@Command(name = "logs", description = "Print a container's log.")
public final class LogsVerb extends ClientVerb {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A log line longer than this is cut: the CRI runtime splits long lines into partial ones far shorter. */
    private static final int MAX_LINE_BYTES = 1024 * 1024;

    @Parameters(paramLabel = "ID", description = "Container ID or unique prefix.")
    String id;

    @Option(names = "--tail-bytes", paramLabel = "N", description = "Only the last N bytes of the log file.")
    long tailBytes;

    @Override
    int run(CriClients cri) {
        Iterator<LogChunk> chunks = cri.logs().readLog(ReadLogRequest.newBuilder().setContainerId(id)
                .setTailBytes(tailBytes).build());
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        PrintWriter err = spec.commandLine().getErr();
        while (chunks.hasNext()) {
            byte[] data = chunks.next().getData().toByteArray();
            for (byte b : data) {
                if (b == '\n') {
                    print(line.toString(StandardCharsets.UTF_8), err);
                    line.reset();
                } else if (line.size() < MAX_LINE_BYTES) {
                    line.write(b);
                }
            }
        }
        if (line.size() > 0) {
            print(line.toString(StandardCharsets.UTF_8), err);
        }
        out().flush();
        err.flush();
        return 0;
    }

    /** One CRI log line: {@code <timestamp> <stdout|stderr> <P|F> <text>}. */
    private void print(String raw, PrintWriter err) {
        String[] f = raw.split(" ", 4);
        if (f.length < 3) {
            return;
        }
        String text = f.length == 4 ? f[3] : "";
        boolean partial = f[2].equals("P");
        if (json) {
            out().println(JSON.createObjectNode().put("time", f[0]).put("stream", f[1]).put("partial", partial)
                    .put("log", text));
            return;
        }
        PrintWriter to = f[1].equals("stderr") ? err : out();
        if (partial) {
            to.print(text);
        } else {
            to.println(text);
        }
    }
}
