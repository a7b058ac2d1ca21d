package io.jcri.image.registry;

/**
 * An OCI content descriptor: what a manifest says about a blob it points at.
 *
 * @param platform "os/architecture[/variant]" for index entries, null elsewhere
 */
public record Descriptor(String mediaType, String digest, long size, String platform) {
}
