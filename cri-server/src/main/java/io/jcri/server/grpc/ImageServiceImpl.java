package io.jcri.server.grpc;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.AuthConfig;
import io.jcri.cri.v1.FilesystemIdentifier;
import io.jcri.cri.v1.FilesystemUsage;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageFilter;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ImageFsInfoResponse;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ImageStatusResponse;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.PullImageResponse;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemoveImageResponse;
import io.jcri.cri.v1.StreamImagesRequest;
import io.jcri.cri.v1.StreamImagesResponse;
import io.jcri.cri.v1.UInt64Value;
import io.jcri.image.DiskUsage;
import io.jcri.image.KeptUsage;
import io.jcri.image.ImageRecord;
import io.jcri.image.ImageService;
import io.jcri.image.registry.RegistryAuth;
import java.util.List;

/**
 * The gRPC face of {@code runtime.v1.ImageService}: each method unpacks the request, calls one
 * {@link ImageService} method and packs the answer. A pull is interrupted when its call is cancelled or runs out
 * of deadline; its sandbox config only names the pod in the log.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {
    private static final int STREAM_BATCH = 100;

    private final ImageService images;
    private final KeptUsage containerLayers;

    /** @param containerLayers the usage of the container writable layers, reported as the container filesystem */
    public ImageServiceImpl(ImageService images, KeptUsage containerLayers) {
        this.images = images;
        this.containerLayers = containerLayers;
    }

    @Override
    public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> out) {
        AuthConfig a = request.getAuth();
        RegistryAuth auth = RegistryAuth.fromCri(a.getUsername(), a.getPassword(), a.getAuth(), a.getIdentityToken(),
                a.getRegistryToken());
        String pod = request.hasSandboxConfig() ? request.getSandboxConfig().getMetadata().getNamespace() + "/"
                + request.getSandboxConfig().getMetadata().getName() : "";
        Thread handler = Thread.currentThread();
        Context.CancellationListener cancel = ctx -> handler.interrupt();
        Context.current().addListener(cancel, Runnable::run);
        ImageRecord r;
        try {
            r = images.pull(request.getImage().getImage(), auth, a.getServerAddress(), pod);
        } finally {
            Context.current().removeListener(cancel);
        }
        out.onNext(PullImageResponse.newBuilder().setImageRef(r.id()).build());
        out.onCompleted();
    }

    @Override
    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> out) {
        ImageStatusResponse.Builder b = ImageStatusResponse.newBuilder();
        images.find(request.getImage().getImage()).ifPresent(r -> {
            b.setImage(toCri(r));
            if (request.getVerbose()) {
                b.putInfo("info", images.configJson(r));
            }
        });
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
        out.onNext(ListImagesResponse.newBuilder().addAllImages(list(request.getFilter())).build());
        out.onCompleted();
    }

    @Override
    public void streamImages(StreamImagesRequest request, StreamObserver<StreamImagesResponse> out) {
        List<Image> all = list(request.getFilter());
        for (int i = 0; i < all.size(); i += STREAM_BATCH) {
            out.onNext(StreamImagesResponse.newBuilder()
                    .addAllImages(all.subList(i, Math.min(all.size(), i + STREAM_BATCH))).build());
        }
        out.onCompleted();
    }

    @Override
    public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> out) {
        images.remove(request.getImage().getImage());
        out.onNext(RemoveImageResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
        out.onNext(ImageFsInfoResponse.newBuilder()
                .addImageFilesystems(toCri(images.usage()))
                .addContainerFilesystems(toCri(containerLayers.total()))
                .build());
        out.onCompleted();
    }

    private List<Image> list(ImageFilter filter) {
        return images.list(filter.getImage().getImage()).stream().map(ImageServiceImpl::toCri).toList();
    }

    private static Image toCri(ImageRecord r) {
        Image.Builder b = Image.newBuilder()
                .setId(r.id())
                .addAllRepoTags(r.repoTags())
                .addAllRepoDigests(r.repoDigests())
                .setSize(r.size())
                .setUsername(r.config().username())
                .setPinned(r.pinned())
                .setSpec(ImageSpec.newBuilder().setImage(r.id()).putAllAnnotations(r.annotations()));
        Long uid = r.config().uid();
        if (uid != null) {
            b.setUid(Int64Value.newBuilder().setValue(uid));
        }
        return b.build();
    }

    private static FilesystemUsage toCri(DiskUsage u) {
        return FilesystemUsage.newBuilder()
                .setTimestamp(u.timestampNanos())
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(u.mountpoint().toString()))
                .setUsedBytes(UInt64Value.newBuilder().setValue(u.usedBytes()))
                .setInodesUsed(UInt64Value.newBuilder().setValue(u.inodesUsed()))
                .build();
    }
}
