package io.jcri.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.nio.charset.StandardCharsets;

/**
 * Whatever text a pod spec names as its image, parsing it either yields a reference that parses again to itself or
 * an INVALID_ARGUMENT {@link CriException}: never another exception. Regression mode replays the seeds in
 * {@code ImageReferenceFuzzTestInputs}; {@code JAZZER_FUZZ=1} explores.
 */
class ImageReferenceFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void parseYieldsAStableReferenceOrInvalidArgument(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        ImageReference ref;
        try {
            ref = ImageReference.parse(text);
        } catch (CriException e) {
            if (e.kind() != ErrorKind.INVALID_ARGUMENT) {
                throw new AssertionError("\"" + text + "\" answered " + e.kind() + ": " + e.getMessage(), e);
            }
            return;
        }
        ImageReference again = ImageReference.parse(ref.toString());
        if (!again.equals(ref)) {
            throw new AssertionError("\"" + text + "\" parsed to " + ref + ", which parses to " + again);
        }
    }
}
