package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import picocli.CommandLine.Command;

/** {@code jcri images}: the images on the node, one line per tag. */
@Command(name = "images", description = "List images.")
public final class ImagesVerb extends ClientVerb {
    @Override
    int run(CriClients cri) {
        ListImagesResponse r = cri.images().listImages(ListImagesRequest.getDefaultInstance());
        if (json) {
            printJson(r);
            return 0;
        }
        Table t = new Table("IMAGE", "TAG", "IMAGE ID", "SIZE");
        for (Image i : r.getImagesList()) {
            String size = Table.size(i.getSize());
            if (i.getRepoTagsCount() == 0) {
                String name = i.getRepoDigestsCount() > 0 ? i.getRepoDigests(0).replaceFirst("@.*", "") : "<none>";
                t.row(name, "<none>", Table.shortId(i.getId()), size);
            }
            for (String tag : i.getRepoTagsList()) {
                int colon = tag.lastIndexOf(':');
                boolean tagged = colon > tag.lastIndexOf('/');
                t.row(tagged ? tag.substring(0, colon) : tag, tagged ? tag.substring(colon + 1) : "<none>",
                        Table.shortId(i.getId()), size);
            }
        }
        t.print(out());
        return 0;
    }
}
