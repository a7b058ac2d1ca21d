package io.jcri.cri;

/**
 * The kinds of failure a CRI call can end with, as the services below the transport see them. The daemon maps
 * each to the gRPC status code of the same name, in one place.
 */
public enum ErrorKind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    DEADLINE_EXCEEDED,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    UNIMPLEMENTED,
    CANCELLED,
    INTERNAL
}
