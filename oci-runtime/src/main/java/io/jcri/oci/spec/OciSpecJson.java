package io.jcri.oci.spec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jcri.oci.OciException;
import java.io.IOException;

/** Reads and writes runtime-spec JSON: {@code config.json} bundles and {@code runc exec --process} files. */
public final class OciSpecJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private OciSpecJson() {
    }

    public static byte[] write(Object specOrPart) {
        try {
            return JSON.writeValueAsBytes(specOrPart);
        } catch (IOException e) {
            throw new OciException("cannot serialise " + specOrPart.getClass().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    public static OciSpec read(byte[] json) {
        try {
            return JSON.readValue(json, OciSpec.class);
        } catch (IOException e) {
            throw new OciException("unreadable OCI config: " + e.getMessage(), e);
        }
    }
}
