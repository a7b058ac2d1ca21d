package io.jcri.server.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.image.ImageService;
import io.jcri.image.registry.Platform;
import io.jcri.server.config.ConfigException;
import io.jcri.server.config.ConfigLoader;
import io.jcri.server.config.JcriConfig;
import io.jcri.server.metrics.MetricsSwitch;
import io.jcri.server.remote.RemoteListener;
import io.jcri.server.status.RuntimeConditions;
import io.jcri.server.streaming.StreamingServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a changed configuration file to the running daemon (on SIGHUP): the log level, the image settings
 * (registries, credentials, pull limits), the streaming and remote TLS files, the remote allowed subjects and the
 * metrics endpoint. CNI configuration files are read at every pod start anyway; a reload reports the network in
 * use. An invalid file changes nothing; a key that needs a restart is logged as such and keeps its running value;
 * a referenced file that cannot be used leaves its part as it was.
 */
public final class ConfigReloader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final ImageService images;
    private final RemoteListener remote;
    private final StreamingServer streaming;
    private final MetricsSwitch metrics;
    private final RuntimeConditions conditions;
    private final RunningConfig running;
    /** The keys (or sections) of this reload whose new values could not be applied; each was logged. */
    private final Set<String> failed = new HashSet<>();

    /**
     * @param remote the remote listener, or {@code null} when none runs
     */
    public ConfigReloader(Path file, RunningConfig running, ImageService images, RemoteListener remote,
                          StreamingServer streaming, MetricsSwitch metrics, RuntimeConditions conditions) {
        this.file = file;
        this.images = images;
        this.remote = remote;
        this.streaming = streaming;
        this.metrics = metrics;
        this.conditions = conditions;
        this.running = running;
    }

    /** Reads the file again and applies what can change while running; false when the file was refused. */
    public synchronized boolean reload() {
        JcriConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            LOG.error("reload refused, the running configuration stays whole: {}", e.getMessage());
            return false;
        }
        JcriConfig cur = running.get();
        failed.clear();
        JcriConfig applied = new JcriConfig(
                new JcriConfig.Server(cur.server().socket(), cur.server().socketGroup(),
                        cur.server().shutdownGraceSeconds(), logLevel(cur, next)),
                cur.state(), cur.runtime(), cur.cni(), image(cur, next), streaming(cur, next), metrics(cur, next),
                remote(cur, next), cur.inspect(), cur.checkpoint(), cur.cdi());
        running.set(applied);
        Map<String, String> before = flatten(cur);
        Map<String, String> after = flatten(applied);
        Map<String, String> wanted = flatten(next);
        int changes = 0;
        for (var e : after.entrySet()) {
            if (!Objects.equals(before.get(e.getKey()), e.getValue())) {
                LOG.info("reload: {} = {} (was {})", e.getKey(), e.getValue(), before.get(e.getKey()));
                changes++;
            }
        }
        for (var e : wanted.entrySet()) {
            boolean failedAbove = failed.stream().anyMatch(f -> e.getKey().startsWith(f));
            if (!failedAbove && !Objects.equals(after.get(e.getKey()), e.getValue())) {
                LOG.warn("reload: {} = {} in {} needs a restart; {} stays until then", e.getKey(), e.getValue(),
                        file, after.get(e.getKey()));
            }
        }
        for (RuntimeCondition c : conditions.evaluate()) {
            if (c.getType().equals(RuntimeConditions.NETWORK_READY)) {
                LOG.info("reload: CNI configuration in {}: {}", applied.cni().confDir(),
                        c.getStatus() ? "usable" : c.getMessage());
            }
        }
        LOG.info("reload of {} done: {} change(s) applied", file, changes);
        return true;
    }

    private String logLevel(JcriConfig cur, JcriConfig next) {
        String level = next.server().logLevel();
        if (!level.equals(cur.server().logLevel()) && !LogLevels.set(level)) {
            failed.add("server.log_level");
            return cur.server().logLevel();
        }
        return level;
    }

    private JcriConfig.Image image(JcriConfig cur, JcriConfig next) {
        JcriConfig.Image i = next.image();
        try {
            // registries.conf and auth.json may have changed even when their paths did not
            // The unpacked-size limit belongs to the layer store made at start: it needs a restart.
            long maxLayer = cur.image().maxLayerUnpackedBytes();
            images.reconfigure(new ImageService.Settings(Path.of(cur.state().root()), Path.of(i.registriesConf()),
                    Path.of(i.authFile()), i.maxConcurrentDownloads(),
                    Duration.ofSeconds(i.pullProgressTimeoutSeconds()), maxLayer, Platform.parse(i.platform())));
            return new JcriConfig.Image(i.registriesConf(), i.maxConcurrentDownloads(),
                    i.pullProgressTimeoutSeconds(), i.authFile(), maxLayer, i.platform());
        } catch (RuntimeException e) {
            LOG.error("reload: image settings stay as they were: {}", e.getMessage());
            failed.add("image.");
            return cur.image();
        }
    }

    private JcriConfig.Streaming streaming(JcriConfig cur, JcriConfig next) {
        JcriConfig.Streaming c = cur.streaming();
        JcriConfig.Streaming n = next.streaming();
        boolean tlsOn = !c.tlsCertFile().isEmpty();
        if (!tlsOn || n.tlsCertFile().isEmpty()) {
            return c;
        }
        try {
            streaming.useTls(StreamingServer.tls(n.tlsCertFile(), n.tlsKeyFile()));
            return new JcriConfig.Streaming(c.address(), c.port(), c.idleTimeoutSeconds(), n.tlsCertFile(),
                    n.tlsKeyFile(), c.requestTimeoutSeconds(), c.maxConnections());
        } catch (IOException e) {
            LOG.error("reload: streaming TLS stays as it was: {}", e.getMessage());
            failed.add("streaming.tls_");
            return c;
        }
    }

    private JcriConfig.Metrics metrics(JcriConfig cur, JcriConfig next) {
        try {
            metrics.apply(next.metrics());
            return next.metrics();
        } catch (IOException e) {
            LOG.error("reload: metrics endpoint on {}:{} failed, it is off now: {}", next.metrics().address(),
                    next.metrics().port(), e.getMessage());
            failed.add("metrics.");
            return new JcriConfig.Metrics(false, next.metrics().address(), next.metrics().port());
        }
    }

    private JcriConfig.Remote remote(JcriConfig cur, JcriConfig next) {
        JcriConfig.Remote c = cur.remote();
        JcriConfig.Remote n = next.remote();
        if (remote == null || !n.address().equals(c.address())) {
            return c;
        }
        try {
            remote.reload(n);
            return n;
        } catch (IOException e) {
            LOG.error("reload: remote TLS stays as it was: {}", e.getMessage());
            failed.add("remote.");
            return c;
        }
    }

    /** {@code section.key} to value, for telling what a reload changed. */
    static Map<String, String> flatten(JcriConfig config) {
        Map<String, String> out = new TreeMap<>();
        try {
            flatten("", JSON.readTree(ConfigLoader.toJson(config)), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            out.put(prefix, node.toString());
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
        }
    }
}
