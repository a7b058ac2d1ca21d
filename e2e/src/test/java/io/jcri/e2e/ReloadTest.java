package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.io.BufferedReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGHUP: a valid file is applied (log level, registries, image and metrics settings) with each change logged and
 * restart-only keys named; an invalid file changes nothing and the log names the key.
 */
class ReloadTest {
    private static final String IMAGE = "reload.jcri.test/e2e/reload:1";

    private static String config(JcriProcess jcri, String logLevel, String extra) {
        return jcri.baseToml(logLevel) + extra;
    }

    private static String registries(String location) {
        return "[[registry]]\nprefix = \"reload.jcri.test\"\nlocation = \"" + location + "\"\ninsecure = true\n";
    }

    /** SIGHUP, then waits until the daemon's log says the reload was applied or refused. */
    static void reload(JcriProcess jcri) throws Exception {
        int before = RemoteAccessTest.count(jcri.logText(), "reload of ")
                + RemoteAccessTest.count(jcri.logText(), "reload refused");
        jcri.hangup();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (RemoteAccessTest.count(jcri.logText(), "reload of ")
                + RemoteAccessTest.count(jcri.logText(), "reload refused") <= before) {
            assertThat(System.nanoTime()).as(jcri.logText()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static int metrics(int port) throws Exception {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/metrics")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException e) {
            return -1;
        }
    }

    private static void pull(CriClients c) {
        c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
    }

    @Test
    void aValidFileIsAppliedAndAnInvalidOneChangesNothing() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        int metricsPort = RemoteAccessTest.freePort();
        Path registriesConf = Files.createTempFile("jcri-reload-registries-", ".conf");
        try (LocalRegistry registry = LocalRegistry.start()) {
            new ImageBuilder(registry.host(), null).push("e2e/reload", "1", Format.OCI,
                    List.of(ImageBuilder.tar().file("hello", 0644, "hi".getBytes(StandardCharsets.UTF_8))
                            .layer(Compression.GZIP, Format.OCI)), "", List.of("/hello"));
            // first the made-up registry points at a port where nothing listens
            Files.writeString(registriesConf, registries("127.0.0.1:1"));
            try (JcriProcess jcri = JcriProcess.start("[image]\nregistries_conf = \"" + registriesConf + "\"\n");
                 CriClients c = jcri.client()) {
                try {
                    applyValidThenInvalidFiles(jcri, c, registriesConf, registry, metricsPort);
                } finally {
                    Files.writeString(Path.of("target/ReloadTest-jcri.log"), jcri.logText());
                }
            }
        } finally {
            Files.deleteIfExists(registriesConf);
        }
    }

    private static void applyValidThenInvalidFiles(JcriProcess jcri, CriClients c, Path registriesConf,
                                                   LocalRegistry registry, int metricsPort) throws Exception {
        assertThatThrownBy(() -> pull(c)).isInstanceOf(StatusRuntimeException.class);
        c.runtime().version(VersionRequest.getDefaultInstance());
        assertThat(jcri.logText()).contains("DEBUG io.jcri.server.calls - Version");

        Files.writeString(registriesConf, registries(registry.host()));
        Files.writeString(jcri.configFile(), config(jcri, "info", """
                [image]
                registries_conf = "%s"
                max_concurrent_downloads = 5
                [metrics]
                enabled = true
                port = %d
                [cni]
                plugin_timeout_seconds = 30
                """.formatted(registriesConf, metricsPort)));
        reload(jcri);
        String log = jcri.logText();
        assertThat(log).contains("reload: server.log_level = \"info\" (was \"debug\")",
                "reload: image.max_concurrent_downloads = 5 (was 3)",
                "reload: metrics.enabled = true (was false)",
                "cni.plugin_timeout_seconds = 30 in " + jcri.configFile() + " needs a restart; 60 stays");
        assertThat(metrics(metricsPort)).isEqualTo(200);
        pull(c);
        int debugLines = RemoteAccessTest.count(jcri.logText(), "DEBUG ");
        c.runtime().version(VersionRequest.getDefaultInstance());
        assertThat(RemoteAccessTest.count(jcri.logText(), "DEBUG ")).isEqualTo(debugLines);
        assertThat(c.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoMap()
                .get("config")).contains("\"log_level\" : \"info\"", "\"plugin_timeout_seconds\" : 60");

        Files.writeString(jcri.configFile(), config(jcri, "loud", "[metrics]\nenabled = false\n"));
        reload(jcri);
        assertThat(jcri.logText()).contains("reload refused, the running configuration stays whole",
                "server.log_level");
        assertThat(metrics(metricsPort)).isEqualTo(200);
        assertThat(c.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoMap()
                .get("config")).contains("\"log_level\" : \"info\"");

        Files.writeString(jcri.configFile(), config(jcri, "info", "[metrics]\nenabled = false\n"));
        reload(jcri);
        assertThat(metrics(metricsPort)).isEqualTo(-1);
    }

    /**
     * Started with SIGHUP ignored, as under {@code nohup}, the JVM installs no handler for it: the daemon says at its
     * start that it will not reload, instead of ignoring every later SIGHUP in silence.
     */
    @Test
    void aDaemonStartedWithSighupIgnoredSaysItWillNotReload() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        try (JcriProcess jcri = JcriProcess.start("")) {
            jcri.stop();
            List<String> command = new ArrayList<>(List.of("nohup"));
            command.addAll(jcri.command("serve").command());
            Process nohup = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = nohup.inputReader(StandardCharsets.UTF_8)) {
                Future<String> warning = CompletableFuture.supplyAsync(() -> out.lines()
                        .filter(l -> l.contains("SIGHUP")).findFirst().orElse("(no such line; exit)"));
                assertThat(warning.get(60, TimeUnit.SECONDS)).isEqualTo("jcri: SIGHUP was ignored when jcri started"
                        + " (nohup?): the configuration is not reloaded on SIGHUP; start jcri with SIGHUP at its"
                        + " default to reload it");
            } finally {
                nohup.destroy();
                assertThat(nohup.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
