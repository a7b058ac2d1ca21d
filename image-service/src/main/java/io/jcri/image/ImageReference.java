package io.jcri.image;

import io.jcri.cri.CriException;
import java.util.regex.Pattern;

/**
 * A normalised image reference: {@code domain/path[:tag][@digest]}, the way kubelet and crictl spell names.
 * {@code busybox} becomes {@code docker.io/library/busybox:latest}; a reference with a digest and no tag keeps no
 * tag; one with both keeps both (the digest decides what is pulled).
 *
 * @param domain the registry host, with port if any ({@code docker.io} for unqualified names)
 * @param path   the repository path inside the registry ({@code library/busybox})
 * @param tag    the tag, or null
 * @param digest the digest ({@code sha256:<64 hex>}), or null
 */
public record ImageReference(String domain, String path, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";

    private static final int MAX_NAME_LENGTH = 255;
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

    /** Parses and normalises {@code text}; throws INVALID_ARGUMENT naming the problem. */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw CriException.invalid("image reference is empty");
        }
        String rest = text.strip();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw CriException.invalid("image reference \"" + text + "\": digest \"" + digest
                        + "\" is not sha256:<64 lowercase hex digits>");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw CriException.invalid("image reference \"" + text + "\": tag \"" + tag + "\" is invalid");
            }
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")
                    || !first.equals(first.toLowerCase())) {
                domain = first;
                path = rest.substring(slash + 1);
                if (!DOMAIN.matcher(domain).matches()) {
                    throw CriException.invalid("image reference \"" + text + "\": registry \"" + domain
                            + "\" is not a host[:port]");
                }
                int portAt = domain.lastIndexOf(':');
                String port = portAt > domain.lastIndexOf(']') ? domain.substring(portAt + 1) : "";
                if (port.length() > 5 || !port.isEmpty() && Integer.parseInt(port) > 65535) {
                    throw CriException.invalid("image reference \"" + text + "\": registry port " + port
                            + " is out of range");
                }
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (path.isEmpty()) {
            throw CriException.invalid("image reference \"" + text + "\" names no repository");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw CriException.invalid("image reference \"" + text + "\": repository component \""
                        + component + "\" must be lowercase letters, digits and separators (. _ __ -)");
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (domain.length() + 1 + path.length() > MAX_NAME_LENGTH) {
            throw CriException.invalid("image reference \"" + text + "\": name longer than "
                    + MAX_NAME_LENGTH + " characters");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /** {@code domain/path}: the repository without tag or digest. */
    public String name() {
        return domain + "/" + path;
    }

    /** What to ask the registry's manifest endpoint for: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** {@code name:tag}, or null when the reference has no tag. */
    public String taggedName() {
        return tag == null ? null : name() + ":" + tag;
    }

    /** {@code name@digest} for a manifest digest. */
    public String digestedName(String manifestDigest) {
        return name() + "@" + manifestDigest;
    }

    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
