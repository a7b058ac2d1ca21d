package io.jcri.server.grpc;

import io.jcri.cri.v1.ImageServiceGrpc;

/**
 * The gRPC face of {@code runtime.v1.ImageService}. RPCs not overridden here answer UNIMPLEMENTED with the
 * method's name.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {
}
