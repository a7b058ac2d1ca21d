package io.jcri.server.streaming;

import java.util.List;

/**
 * The remote-command subprotocols a client may negotiate (SPDY: {@code X-Stream-Protocol-Version}; WebSocket:
 * {@code Sec-WebSocket-Protocol}), and what each supports.
 */
enum StreamProtocol {
    V5("v5.channel.k8s.io", true, true, true),
    V4("v4.channel.k8s.io", true, true, true),
    V4_BASE64("v4.base64.channel.k8s.io", true, true, false),
    V3("v3.channel.k8s.io", true, false, true),
    V2("v2.channel.k8s.io", false, false, true),
    V1("channel.k8s.io", false, false, true),
    V1_BASE64("base64.channel.k8s.io", false, false, false);

    static final String VERSION_HEADER = "X-Stream-Protocol-Version";
    static final String ACCEPTED_VERSIONS_HEADER = "X-Accepted-Stream-Protocol-Versions";
    static final String STREAM_TYPE_HEADER = "streamtype";
    static final String PORT_FORWARD_V1 = "portforward.k8s.io";
    /** Offered over SPDY, best first (v5 over SPDY behaves as v4). */
    static final List<String> SPDY = List.of(V5.id, V4.id, V3.id, V2.id, V1.id);
    /** client-go's port-forward over WebSocket: SPDY/3.1 frames inside binary WebSocket messages. */
    static final String PORT_FORWARD_TUNNEL = "SPDY/3.1+portforward.k8s.io";
    /** Offered for port-forward over WebSocket: the SPDY tunnel, or kubelet's channel framing. */
    static final List<String> PORT_FORWARD_WEBSOCKET = List.of(PORT_FORWARD_TUNNEL, V4.id, V4_BASE64.id,
            PORT_FORWARD_V1);
    /** Offered over WebSocket, best first. */
    static final List<String> WEBSOCKET = List.of(V5.id, V4.id, V4_BASE64.id, V1.id, V1_BASE64.id);

    private final String id;
    private final boolean resize;
    private final boolean statusJson;
    private final boolean binary;

    StreamProtocol(String id, boolean resize, boolean statusJson, boolean binary) {
        this.id = id;
        this.resize = resize;
        this.statusJson = statusJson;
        this.binary = binary;
    }

    String id() {
        return id;
    }

    boolean supportsResize() {
        return resize;
    }

    /** Whether the error stream carries a Status JSON (v4+) rather than a bare message. */
    boolean statusAsJson() {
        return statusJson;
    }

    /** Whether WebSocket messages are binary (else base64 text). */
    boolean binary() {
        return binary;
    }

    /** The protocol named {@code id}; a client that named none speaks v1. */
    static StreamProtocol of(String id) {
        if (id == null || id.isEmpty()) {
            return V1;
        }
        for (StreamProtocol p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown stream protocol " + id);
    }
}
