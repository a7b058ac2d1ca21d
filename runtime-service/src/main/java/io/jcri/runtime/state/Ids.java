package io.jcri.runtime.state;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Object ids in containerd's form: 32 random bytes as 64 lower-case hex characters. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
