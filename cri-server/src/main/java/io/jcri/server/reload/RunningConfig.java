package io.jcri.server.reload;

import io.jcri.server.config.ConfigLoader;
import io.jcri.server.config.JcriConfig;

/**
 * The configuration in effect: the one the daemon started with until a reload applies a new one. Status and the
 * inspect API read it from the first call on; {@link ConfigReloader} replaces it.
 */
public final class RunningConfig {
    private volatile JcriConfig config;
    /** The JSON of {@link #config}, made when first asked for: a start need not serialize the configuration. */
    private volatile Rendered rendered;

    public RunningConfig(JcriConfig config) {
        this.config = config;
    }

    public JcriConfig get() {
        return config;
    }

    void set(JcriConfig applied) {
        config = applied;
    }

    /** The configuration in effect, every default filled in, as JSON (for Status and the inspect API). */
    public String json() {
        JcriConfig c = config;
        Rendered r = rendered;
        if (r == null || r.config() != c) {
            r = new Rendered(c, ConfigLoader.toJson(c));
            rendered = r;
        }
        return r.json();
    }

    private record Rendered(JcriConfig config, String json) {
    }
}
