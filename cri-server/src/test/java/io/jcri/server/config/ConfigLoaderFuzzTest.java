package io.jcri.server.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever bytes an operator (or a broken deployment tool) writes into the configuration file, loading it either
 * yields a valid configuration or a {@link ConfigException} naming the problem: never another exception.
 * Regression mode replays the seeds in {@code ConfigLoaderFuzzTestInputs}; {@code JAZZER_FUZZ=1} explores.
 */
class ConfigLoaderFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void parseNeverThrowsAnythingButConfigException(byte[] input) {
        try {
            JcriConfig c = ConfigLoader.parse(new String(input, java.nio.charset.StandardCharsets.UTF_8), "fuzz");
            if (!c.server().socket().startsWith("/")
                    || !c.runtime().handlers().containsKey(c.runtime().defaultHandler())) {
                throw new AssertionError("invalid configuration accepted: " + c);
            }
        } catch (ConfigException expected) {
            // the documented outcome for bad input
        }
    }
}
