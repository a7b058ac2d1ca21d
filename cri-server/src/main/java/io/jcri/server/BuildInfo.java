package io.jcri.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The runtime's name and the version stamped into the build. */
public final class BuildInfo {
    public static final String NAME = "jcri";
    private static final String VERSION = load();

    private BuildInfo() {
    }

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
