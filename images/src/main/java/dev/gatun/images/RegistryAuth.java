package dev.gatun.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Registry credentials and the {@code WWW-Authenticate} challenge. Credentials come from the
 * first auth file that has an entry for the registry host (the order of
 * {@code containers-auth.json(5)}): {@code $REGISTRY_AUTH_FILE},
 * {@code $XDG_RUNTIME_DIR/containers/auth.json}, {@code ~/.config/containers/auth.json},
 * {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}. An entry is
 * {@code "auths": {"<host>[/<namespace>]": {"auth": base64("user:password")}}}; the longest key
 * that is the host or a namespace prefix of the repository wins, and {@code https://} and a
 * trailing {@code /v1/} or {@code /v2/} on a key are ignored (Docker writes them).
 *
 * <p>Credential helpers ({@link CredentialHelper}), in the Docker config and in containers'
 * auth.json alike. Within one file the order is: {@code credHelpers["<host>"]} (as in
 * {@code containers-auth.json(5)}: a helper configured for the registry replaces the file's
 * {@code auths} entries for it), then the {@code auths} entry, then {@code credsStore} (the
 * default helper, asked only when the file has no entry with {@code auth} for the host; Docker
 * would ask it even then, its {@code auths} entries being mere markers). A helper that has nothing
 * for the host ({@value CredentialHelper#NOT_FOUND}) lets the search go on to the next file; none
 * anywhere means anonymous access. An identity token ({@code identitytoken} in an {@code auths}
 * entry, preferred to its {@code auth}; or a helper's answer with the user name {@code <token>})
 * is sent only to a Bearer challenge's token server, as the refresh token of an OAuth2
 * {@code grant_type=refresh_token} request.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">the token authentication specification</a>
 */
final class RegistryAuth {

    private RegistryAuth() {}

    /**
     * A user name and password for one registry, and the file it came from (for messages). The
     * secret is never part of {@link #toString()}.
     */
    record Credential(String username, String password, String source) {

        /** The user name Docker gives an identity token: the password is an OAuth2 refresh token. */
        static final String IDENTITY_TOKEN = "<token>";

        /** Whether the password is an identity token, good only for a token server's refresh_token grant. */
        boolean identityToken() {
            return username.equals(IDENTITY_TOKEN);
        }

        String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return (identityToken() ? "an identity token" : "user \"" + username + "\"") + " from " + source;
        }
    }

    /** The auth files to read, in order, from this process's environment. */
    static List<Path> defaultFiles() {
        List<Path> files = new ArrayList<>();
        String home = System.getProperty("user.home");
        String registryAuthFile = System.getenv("REGISTRY_AUTH_FILE");
        if (registryAuthFile != null && !registryAuthFile.isEmpty()) {
            files.add(Path.of(registryAuthFile));
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && runtime.startsWith("/")) {
            files.add(Path.of(runtime, "containers", "auth.json"));
        }
        files.add(Path.of(home, ".config", "containers", "auth.json"));
        String dockerConfig = System.getenv("DOCKER_CONFIG");
        files.add(dockerConfig != null && !dockerConfig.isEmpty() ? Path.of(dockerConfig, "config.json")
                : Path.of(home, ".docker", "config.json"));
        return files;
    }

    /** What a search for credentials found: the credential (or null) and, per file, what was seen. */
    record Lookup(Credential credential, List<String> tried) {
        String describe() {
            return credential != null ? credential.toString() : "no credentials for it in " + String.join(", ", tried);
        }
    }

    /** {@link #lookup(List, String, String, CredentialHelper)} with no directory to find a helper in. */
    static Lookup lookup(List<Path> files, String host, String repository) throws IOException {
        return lookup(files, host, repository, new CredentialHelper(List.of(), java.time.Duration.ofSeconds(10)));
    }

    /**
     * The credential for {@code repository} ({@code host/name}) from the first of {@code files}
     * that has one, running {@code helpers} where a file names one (see the class comment).
     */
    static Lookup lookup(List<Path> files, String host, String repository, CredentialHelper helpers) throws IOException {
        List<String> tried = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                tried.add(file + " (missing)");
                continue;
            }
            if (Files.size(file) > ImageSource.MAX_JSON) {
                throw new InvalidImageException(file + ": " + Files.size(file) + " bytes, more than " + ImageSource.MAX_JSON);
            }
            JsonNode json = ImageSource.parse(file.toString(), Files.readAllBytes(file));
            JsonNode perHost = json.path("credHelpers").path(host);
            if (!perHost.isMissingNode()) {
                Credential c = fromHelper(helpers, perHost, host, file + " credHelpers[\"" + host + "\"]", tried);
                if (c != null) {
                    return new Lookup(c, tried);
                }
                continue;
            }
            String bestKey = null;
            int bestLength = -1;
            JsonNode best = null;
            for (Map.Entry<String, JsonNode> e : json.path("auths").properties()) {
                String key = normaliseKey(e.getKey());
                boolean matches = key.equals(host) || repository.startsWith(key + "/") && key.startsWith(host + "/");
                if (matches && key.length() > bestLength) {
                    bestKey = e.getKey();
                    bestLength = key.length();
                    best = e.getValue();
                }
            }
            String where = file + " auths[\"" + bestKey + "\"]";
            String auth = best == null ? "" : best.path("auth").asString("");
            String identity = best == null ? "" : best.path("identitytoken").asString("");
            if (!identity.isEmpty()) {
                return new Lookup(new Credential(Credential.IDENTITY_TOKEN, identity, where), tried);
            }
            if (auth.isEmpty()) {
                if (json.has("credsStore")) {
                    Credential c = fromHelper(helpers, json.path("credsStore"), host, file + " credsStore", tried);
                    if (c != null) {
                        return new Lookup(c, tried);
                    }
                } else {
                    tried.add(best == null ? file + " (no entry)" : where + " (no \"auth\" field)");
                }
                continue;
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidImageException(where + " auth: not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new InvalidImageException(where + " auth: expected base64 of \"user:password\"");
            }
            return new Lookup(new Credential(decoded.substring(0, colon), decoded.substring(colon + 1), where), tried);
        }
        return new Lookup(null, tried);
    }

    /** The helper {@code name} names, asked for {@code host}'s credential; null (noted in {@code tried}) when it has none. */
    private static Credential fromHelper(CredentialHelper helpers, JsonNode name, String host, String where, List<String> tried)
            throws IOException {
        if (!name.isString() || name.asString().isEmpty()) {
            throw new InvalidImageException(where + ": expected the name of a credential helper, got " + name);
        }
        Credential c = helpers.get(name.asString(), host, where);
        if (c == null) {
            tried.add(where + " (docker-credential-" + name.asString() + " has none)");
        }
        return c;
    }

    /** {@code https://host/v1/} → {@code host}: Docker's keys carry a scheme and an API path. */
    static String normaliseKey(String key) {
        String k = key.replaceFirst("^https?://", "");
        k = k.replaceFirst("/v[12]/?$", "");
        return k.endsWith("/") ? k.substring(0, k.length() - 1) : k;
    }

    /**
     * A parsed {@code WWW-Authenticate} header: the scheme ({@code basic} or {@code bearer}, lower
     * case) and its parameters ({@code realm}, {@code service}, {@code scope}).
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc7235#section-4.1">RFC 7235: WWW-Authenticate</a>
     */
    record Challenge(String scheme, Map<String, String> params) {

        /** Parses one challenge: {@code Bearer realm="…",service="…",scope="repository:a/b:pull,push"}. */
        static Challenge parse(String header) {
            String h = header.strip();
            int space = h.indexOf(' ');
            String scheme = (space < 0 ? h : h.substring(0, space)).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            int i = space < 0 ? h.length() : space + 1;
            while (i < h.length()) {
                while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                    i++;
                }
                int eq = h.indexOf('=', i);
                if (eq < 0) {
                    break;
                }
                String name = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
                StringBuilder value = new StringBuilder();
                i = eq + 1;
                if (i < h.length() && h.charAt(i) == '"') {
                    for (i++; i < h.length() && h.charAt(i) != '"'; i++) {
                        if (h.charAt(i) == '\\' && i + 1 < h.length()) {
                            i++;
                        }
                        value.append(h.charAt(i));
                    }
                    i++; // the closing quote
                } else {
                    for (; i < h.length() && h.charAt(i) != ','; i++) {
                        value.append(h.charAt(i));
                    }
                }
                params.put(name, value.toString().strip());
            }
            return new Challenge(scheme, Map.copyOf(params));
        }

        String param(String name) {
            return params.get(name);
        }
    }
}
