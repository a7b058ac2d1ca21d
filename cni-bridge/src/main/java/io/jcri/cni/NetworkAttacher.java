package io.jcri.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.CriException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds a container to the network with the whole configuration list (each plugin gets the previous one's result)
 * and deletes it again in reverse order, with the list and result cached on disk in between.
 */
public final class NetworkAttacher {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkAttacher.class);

    private final CniConfigLoader loader;
    private final CniInvoker invoker;
    private final CniResultCache cache;

    public NetworkAttacher(CniConfigLoader loader, CniInvoker invoker, CniResultCache cache) {
        this.loader = loader;
        this.invoker = invoker;
        this.cache = cache;
    }

    /**
     * ADD through the current configuration list. On failure the plugins already run are undone (DEL) before the
     * error is thrown; if that undo fails too, the cache entry stays so that {@link #detach} can finish it.
     */
    public CniResult attach(CniRequest request) {
        NetworkConfigList list = loader.load();
        cache.put(new CniResultCache.Entry(list, request, null));
        ObjectNode result = null;
        try {
            for (ObjectNode plugin : list.plugins()) {
                result = invoker.invoke(CniInvoker.Command.ADD, list, plugin, result, request);
            }
        } catch (CriException e) {
            try {
                delete(list, request, result);
                cache.delete(request.containerId(), request.ifName());
            } catch (CriException undo) {
                e.addSuppressed(undo);
                LOG.warn("sandbox {}: undoing a failed CNI ADD failed too, DEL is retried later: {}",
                        request.containerId(), undo.getMessage());
            }
            throw e;
        }
        cache.put(new CniResultCache.Entry(list, request, result));
        return CniResult.of(result);
    }

    /**
     * DEL with the cached list and result, then forgets the attachment; nothing cached means nothing attached.
     * A failure leaves the cache entry, so the next call retries.
     */
    public void detach(String containerId, String ifName) {
        Optional<CniResultCache.Entry> entry = cache.get(containerId, ifName);
        if (entry.isEmpty()) {
            return;
        }
        delete(entry.get().list(), entry.get().request(), entry.get().result());
        cache.delete(containerId, ifName);
    }

    private void delete(NetworkConfigList list, CniRequest request, ObjectNode prevResult) {
        List<ObjectNode> plugins = list.plugins().reversed();
        CriException first = null;
        for (ObjectNode plugin : plugins) {
            try {
                invoker.invoke(CniInvoker.Command.DEL, list, plugin, prevResult, request);
            } catch (CriException e) {
                // Run every plugin's DEL even when one fails: each frees its own resources (IPs, rules).
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
