package io.jcri.image.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code WWW-Authenticate} challenge: the scheme (Bearer or Basic) and its parameters (realm, service,
 * scope).
 */
record WwwAuthenticate(String scheme, Map<String, String> params) {
    private static final Pattern PARAM = Pattern.compile("([A-Za-z_]+)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");

    static WwwAuthenticate parse(String header) {
        String h = header.strip();
        int space = h.indexOf(' ');
        String scheme = space < 0 ? h : h.substring(0, space);
        Map<String, String> params = new LinkedHashMap<>();
        if (space >= 0) {
            Matcher m = PARAM.matcher(h.substring(space + 1));
            while (m.find()) {
                params.put(m.group(1).toLowerCase(), m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3));
            }
        }
        return new WwwAuthenticate(scheme, params);
    }

    boolean isBearer() {
        return scheme.equalsIgnoreCase("Bearer");
    }

    boolean isBasic() {
        return scheme.equalsIgnoreCase("Basic");
    }
}
