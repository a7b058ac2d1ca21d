package io.jcri.server.metrics;

import io.jcri.server.config.JcriConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Prometheus endpoint as the {@code [metrics]} section says: started, stopped, or moved when the
 * configuration is reloaded. The meters are kept in the registry whether or not they are served.
 */
public final class MetricsSwitch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsSwitch.class);

    private final PrometheusMeterRegistry meters;
    private JcriConfig.Metrics serving;
    private MetricsEndpoint endpoint;

    public MetricsSwitch(PrometheusMeterRegistry meters) {
        this.meters = meters;
    }

    /**
     * Serves as {@code settings} says (nothing when disabled). When the new address cannot be bound the endpoint
     * is off and the exception says why.
     */
    public synchronized void apply(JcriConfig.Metrics settings) throws IOException {
        if (settings.equals(serving)) {
            return;
        }
        close();
        if (settings.enabled()) {
            endpoint = MetricsEndpoint.start(meters, settings.address(), settings.port());
            serving = settings;
            LOG.info("metrics on http://{}:{}/metrics", settings.address(), endpoint.port());
        } else {
            serving = settings;
        }
    }

    @Override
    public synchronized void close() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
            LOG.info("metrics endpoint stopped");
        }
        serving = null;
    }
}
