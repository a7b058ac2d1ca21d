package io.jcri.server.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A {@code jcri} verb that calls a daemon: connects with the top command's {@link ClientOptions}, runs, and turns
 * failures into one line on stderr and exit code 1.
 */
abstract class ClientVerb implements Callable<Integer> {
    private static final JsonFormat.Printer JSON = JsonFormat.printer();

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON (for scripts) instead of a table.")
    boolean json;

    /** Does the verb's work; output goes to {@link #out()}. */
    abstract int run(CriClients cri) throws Exception;

    @Override
    public final Integer call() throws Exception {
        // a client reports failures in its own words; the transport's log lines would only repeat them
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        ClientOptions options = options();
        try (CriClients cri = options.connect()) {
            return run(cri);
        } catch (StatusRuntimeException e) {
            return fail(CallErrors.explain(e, options.endpoint()));
        } catch (CliException e) {
            return fail(e.getMessage());
        }
    }

    ClientOptions options() {
        return (ClientOptions) spec.parent().mixins().get("client").userObject();
    }

    int fail(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("jcri " + spec.name() + ": " + message);
        err.flush();
        return 1;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    static String json(MessageOrBuilder m) {
        try {
            return JSON.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    void printJson(MessageOrBuilder m) {
        out().println(json(m));
        out().flush();
    }
}
