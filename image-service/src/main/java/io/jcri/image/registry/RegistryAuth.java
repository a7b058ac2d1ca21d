package io.jcri.image.registry;

import io.jcri.cri.CriException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials for one registry, as kubelet sends them in {@code PullImageRequest.auth}: basic user/password, an
 * identity token (an OAuth2 refresh token), or a ready registry token. They belong to the registry host the image
 * is pulled from and are never logged: {@link #toString()} names only which fields are set.
 */
public record RegistryAuth(String username, String password, String identityToken, String registryToken) {
    public static final RegistryAuth NONE = new RegistryAuth("", "", "", "");

    public RegistryAuth {
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        identityToken = identityToken == null ? "" : identityToken;
        registryToken = registryToken == null ? "" : registryToken;
    }

    /**
     * Builds from the CRI {@code AuthConfig} fields, where {@code auth} is base64 "user:password" and wins over
     * separate username/password only when those are empty.
     */
    public static RegistryAuth fromCri(String username, String password, String auth, String identityToken,
                                       String registryToken) {
        String user = username;
        String pass = password;
        if ((user == null || user.isEmpty()) && auth != null && !auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw CriException.invalid("auth.auth is not base64 user:password");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw CriException.invalid("auth.auth does not decode to user:password");
            }
            user = decoded.substring(0, colon);
            pass = decoded.substring(colon + 1);
        }
        return new RegistryAuth(user, pass, identityToken, registryToken);
    }

    public boolean hasBasic() {
        return !username.isEmpty();
    }

    @Override
    public String toString() {
        return "RegistryAuth[" + (hasBasic() ? "basic " : "") + (identityToken.isEmpty() ? "" : "identity-token ")
                + (registryToken.isEmpty() ? "" : "registry-token") + "]";
    }
}
