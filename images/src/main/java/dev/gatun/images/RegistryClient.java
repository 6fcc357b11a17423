package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A pull through the OCI distribution API: {@code GET /v2/<name>/manifests/<ref>} and
 * {@code GET /v2/<name>/blobs/<digest>}. Every manifest is checked against the digest it was asked
 * by (or the registry's {@code Docker-Content-Digest} for a tag), every blob against its
 * descriptor before the store keeps it.
 *
 * <p>Authentication follows the registry's {@code WWW-Authenticate} challenge: {@code Basic}
 * sends the credential found for the host ({@link RegistryAuth}); {@code Bearer} asks the
 * challenge's realm for a token (with the credential when there is one, anonymously otherwise)
 * for the challenge's service and scope (an identity token as the refresh token of an OAuth2
 * {@code POST} with {@code grant_type=refresh_token}), and asks again once when a token stops
 * being accepted.
 * A credential never goes over plain HTTP to a host other than loopback, and never to another
 * host a redirect points to.
 *
 * <p>Layers download {@code concurrency} at a time. A connection error or a 5xx or 429 answer is
 * tried again after a backoff; a blob cut short resumes from the bytes it has with {@code Range}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pull">distribution-spec: pull</a>
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">token authentication</a>
 */
final class RegistryClient {

    private static final Pattern REFERENCE = Pattern.compile(
            "(?<host>[^/]+)/(?<name>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)"
                    + "(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>[a-z0-9]+:[a-f0-9]+))?");
    private static final String ACCEPT = String.join(", ", Descriptor.OCI_INDEX, Descriptor.OCI_MANIFEST,
            Descriptor.DOCKER_LIST, Descriptor.DOCKER_MANIFEST);
    private static final int MAX_REDIRECTS = 5;

    private final String reference;
    private final String host;
    private final String name;
    private final boolean loopback;
    private final String base;
    private final String ref;
    private final ImageStore store;
    private final PullOptions options;
    /** Open only during {@link #pull}: its selector thread and pooled connections go with it. */
    private volatile HttpClient http;
    /** The {@code Authorization} header to send (null: none), shared by the download threads. */
    private volatile String authorization;
    /** The credential search, done at the first challenge. */
    private volatile RegistryAuth.Lookup lookup;

    RegistryClient(String reference, ImageStore store, PullOptions options) {
        Matcher m = REFERENCE.matcher(reference);
        String h = m.matches() ? m.group("host") : null;
        if (h == null || !(h.contains(".") || h.contains(":") || h.equals("localhost"))) {
            throw new InvalidImageException("reference \"" + reference + "\": expected host[:port]/name[:tag|@digest] "
                    + "with the registry's host (e.g. localhost:5000/app:1)");
        }
        this.reference = reference;
        this.host = h;
        this.name = m.group("name");
        this.loopback = isLoopback(h);
        this.base = (loopback ? "http://" : "https://") + h + "/v2/" + name;
        this.ref = m.group("digest") != null ? Digest.parse("reference \"" + reference + "\"", m.group("digest")).toString()
                : m.group("tag") != null ? m.group("tag") : "latest";
        this.store = store;
        this.options = options;
    }

    private static boolean isLoopback(String authority) {
        return authority.equals("localhost") || authority.startsWith("localhost:") || authority.startsWith("127.")
                || authority.startsWith("[::1]");
    }

    /**
     * Pulls the manifest, the config and every layer into the store and records the image there
     * (under {@code reference}), then closes the connection. The store is held in use meanwhile, so
     * that no {@link ImageStore#gc()} removes what is being pulled.
     */
    Image pull(Platform platform) throws IOException {
        try (var _ = store.inUse();
                HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(Duration.ofSeconds(10)).build()) {
            http = client;
            Image image = pullManifests(platform);
            downloadLayers(image, options.unpack());
            List<Digest> blobs = new ArrayList<>();
            blobs.add(image.id());
            image.layers().forEach(d -> blobs.add(d.digest()));
            store.recordPull(image.id(), reference, blobs);
            return image;
        } finally {
            http = null;
        }
    }

    /**
     * Every layer into the store, {@code concurrency} at a time; the first failure cancels the rest.
     * With {@code unpack}, this thread unpacks meanwhile, each layer as soon as it is stored (it
     * waits on the layer's partial-file lock while a download thread holds it, and downloads a
     * layer itself when it gets there first).
     */
    private void downloadLayers(Image image, boolean unpack) throws IOException {
        List<Descriptor> layers = image.layers();
        ThreadFactory threads = Thread.ofPlatform().name("gatun-pull-", 0).daemon().factory();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.concurrency(), Math.max(1, layers.size())), threads)) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                int index = i;
                Descriptor d = layers.get(i);
                running.add(pool.submit(() -> {
                    String path = "/blobs/" + d.digest();
                    String what = image + " layers[" + index + "] (" + d.digest() + ", GET " + base + path + ")";
                    store.blob(d, partial -> download(partial, d, path, what, index), what);
                    options.listener().progress(index, d, d.size(), d.size());
                    return null;
                }));
            }
            if (unpack) {
                try {
                    store.unpack(image);
                } catch (IOException | RuntimeException e) {
                    pool.shutdownNow();
                    throw e;
                }
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    switch (e.getCause()) {
                        case IOException io -> throw io;
                        case RuntimeException r -> throw r;
                        case Error err -> throw err;
                        default -> throw new IOException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("pull of " + reference + " interrupted");
                }
            }
        }
    }

    private Image pullManifests(Platform platform) throws IOException {
        String where = "registry:" + reference;
        byte[] top = get("/manifests/" + ref, ACCEPT, "manifest " + ref, ImageSource.MAX_JSON);
        Digest topDigest = Digest.sha256(top);
        if (ref.contains(":") && !topDigest.toString().equals(ref)) {
            throw new InvalidImageException(where + ": manifest digest mismatch: content is " + topDigest);
        }
        JsonNode json = ImageSource.parse(where + " manifest", top);
        String mediaType = json.path("mediaType").asString(json.has("manifests") ? Descriptor.OCI_INDEX : Descriptor.OCI_MANIFEST);
        // while pulling, a missing blob is downloaded (and checked); afterwards every blob is stored
        Image.Blobs blobs = (d, what) -> Files.newInputStream(store.blob(d, partial -> {
            if (http == null) {
                throw new java.nio.file.NoSuchFileException(what, null, "not in the store " + store.root() + " (pull again)");
            }
            download(partial, d, "/blobs/" + d.digest(), what + " (GET " + base + "/blobs/" + d.digest() + ")", -1);
        }, what));
        Descriptor chosen = new Descriptor(mediaType, topDigest, top.length, null);
        JsonNode manifest = json;
        if (mediaType.equals(Descriptor.OCI_INDEX) || mediaType.equals(Descriptor.DOCKER_LIST)) {
            List<String> seen = new ArrayList<>();
            chosen = ImageSource.choose(json, where + " index", null, platform, this::manifest, seen);
            if (chosen == null) {
                throw new InvalidImageException(where + ": no manifest for " + platform + " (found: " + String.join(", ", seen) + ")");
            }
            manifest = manifest(chosen, where + " manifest " + chosen.digest());
        }
        Image image = ImageSource.fromManifest(where + "@" + chosen.digest(), manifest, blobs);
        if (!platform.accepts(image.config().platform())) { // a single manifest: its config says
            throw new InvalidImageException(where + ": no manifest for " + platform + " (found: "
                    + image.config().platform() + ")");
        }
        return image;
    }

    /** A manifest by digest, checked. */
    private JsonNode manifest(Descriptor d, String what) throws IOException {
        if (d.size() > ImageSource.MAX_JSON) {
            throw new InvalidImageException(what + ": " + d.size() + " bytes, more than " + ImageSource.MAX_JSON);
        }
        byte[] body = get("/manifests/" + d.digest(), ACCEPT, what, ImageSource.MAX_JSON);
        try (InputStream in = d.digest().verifying(new java.io.ByteArrayInputStream(body), d.size(), what)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return ImageSource.parse(what, body);
    }

    /** A small document (a manifest), read whole, tried again on a transient failure. */
    private byte[] get(String path, String accept, String what, int max) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<InputStream> r = send(path, accept, 0, what);
                try (InputStream in = r.body()) {
                    byte[] body = in.readNBytes(max + 1);
                    if (body.length > max) {
                        throw new InvalidImageException(what + ": more than " + max + " bytes");
                    }
                    return body;
                }
            } catch (IOException e) {
                backoff(e, attempt, "GET " + base + path);
            }
        }
    }

    /**
     * Blob {@code d} into {@code partial}: from the bytes it has on (a {@code Range} request; a
     * registry that answers 200 instead of 206 sends it all again), tried again after a transient
     * failure, each time from where the last one stopped.
     */
    private void download(ImageStore.Partial partial, Descriptor d, String path, String what, int index) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                if (partial.size() > d.size()) {
                    partial.restart(); // longer than the descriptor: not a prefix of it
                }
                long have = partial.size();
                if (have == d.size() && have > 0) {
                    return; // a previous download got it all: the store checks it
                }
                HttpResponse<InputStream> r = send(path, "*/*", have, what);
                try (InputStream in = r.body()) {
                    if (r.statusCode() == 206) {
                        String range = r.headers().firstValue("Content-Range").orElse("");
                        if (!range.startsWith("bytes " + have + "-")) {
                            throw new IOException(what + ": asked for bytes " + have + "- and got Content-Range \"" + range + "\"");
                        }
                    } else if (have > 0) {
                        partial.restart(); // the registry sends it all again
                    }
                    byte[] buffer = new byte[1 << 18];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        if (partial.size() + n > d.size()) {
                            throw new InvalidImageException(what + ": more than the " + d.size() + " bytes its descriptor says");
                        }
                        partial.append(buffer, 0, n);
                        if (index >= 0 && partial.size() < d.size()) {
                            options.listener().progress(index, d, partial.size(), d.size());
                        }
                    }
                }
                if (partial.size() < d.size()) {
                    throw new IOException(what + ": the answer ended at " + partial.size() + " of " + d.size() + " bytes");
                }
                return;
            } catch (IOException e) {
                backoff(e, attempt, what);
            }
        }
    }

    /** Rethrows {@code e} when it is not worth another try or tries are spent; else waits before the next. */
    private void backoff(IOException e, int attempt, String what) throws IOException {
        if (e instanceof java.io.InterruptedIOException || e instanceof Refused) {
            throw e;
        }
        if (attempt >= options.attempts()) {
            throw new IOException("registry:" + reference + ": " + what + ": failed " + attempt + " times, last: "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
        try {
            Thread.sleep(options.backoff().multipliedBy(1L << Math.min(attempt - 1, 10)));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted while waiting to try again");
        }
    }

    /** A registry's answer that no retry changes (a 4xx other than 429). */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * One request, authenticated: a 401 is answered by the challenge's scheme (at most twice: a
     * first credential or token, then a fresh token), redirects are followed (without credentials
     * to another host). Returns a 200 or 206 answer; anything else throws.
     */
    private HttpResponse<InputStream> send(String path, String accept, long from, String what) throws IOException {
        URI uri = URI.create(base + path);
        for (int round = 0; ; round++) {
            String sent = authorization;
            HttpResponse<InputStream> r = follow(uri, accept, from, sent);
            int status = r.statusCode();
            if (status == 200 || status == 206) {
                return r;
            }
            r.body().close();
            if (status == 401) {
                String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
                if (round >= 2 || challenge.isEmpty()) {
                    throw new InvalidImageException("registry " + host + " refused " + credentialDescription()
                            + " (GET " + uri + ": 401" + (challenge.isEmpty() ? ", no challenge" : "") + ")");
                }
                authenticate(RegistryAuth.Challenge.parse(challenge), sent, uri);
                continue;
            }
            if (status == 403) {
                throw new InvalidImageException("registry " + host + " denied " + credentialDescription() + " access to "
                        + name + " (GET " + uri + ": 403)");
            }
            if (status == 404) {
                throw new InvalidImageException("registry:" + reference + ": " + what + " not found (GET " + uri + ": 404)");
            }
            String message = "registry:" + reference + ": GET " + uri + " answered " + status;
            throw status >= 500 || status == 429 ? new IOException(message) : new Refused(message);
        }
    }

    private String credentialDescription() {
        RegistryAuth.Lookup l = lookup;
        return l == null ? "anonymous access" : l.credential() != null ? l.credential().toString()
                : "anonymous access (" + l.describe() + ")";
    }

    /** GET {@code uri}, following redirects; {@code authorization} goes only to the registry's own host. */
    private HttpResponse<InputStream> follow(URI uri, String accept, long from, String authorization) throws IOException {
        URI at = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(at).header("Accept", accept).timeout(Duration.ofMinutes(5)).GET();
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
            }
            if (authorization != null && at.getRawAuthority().equals(host)) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> r = exchange(b.build());
            int status = r.statusCode();
            if (status < 300 || status >= 400 || status == 304 || hop >= MAX_REDIRECTS) {
                return r;
            }
            r.body().close();
            String location = r.headers().firstValue("Location").orElseThrow(
                    () -> new IOException("GET " + uri + ": " + status + " without a Location"));
            at = at.resolve(location);
        }
    }

    private HttpResponse<InputStream> exchange(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("GET " + request.uri() + " interrupted");
        }
    }

    /**
     * Answers a challenge: sets {@link #authorization} for the next request, unless another
     * thread already changed it from {@code sent}.
     */
    private synchronized void authenticate(RegistryAuth.Challenge challenge, String sent, URI uri) throws IOException {
        if (!java.util.Objects.equals(authorization, sent)) {
            return; // another download answered this challenge meanwhile
        }
        if (lookup == null) {
            lookup = RegistryAuth.lookup(options.authFiles(), host, host + "/" + name,
                    new CredentialHelper(options.helperPath(), options.helperTimeout()));
        }
        RegistryAuth.Credential credential = lookup.credential();
        switch (challenge.scheme()) {
            case "basic" -> {
                if (credential == null) {
                    throw new InvalidImageException("registry " + host + " asks for credentials (GET " + uri
                            + ": 401, Basic) and " + lookup.describe());
                }
                if (sent != null) {
                    throw new InvalidImageException("registry " + host + " refused " + credential + " (GET " + uri + ": 401)");
                }
                if (credential.identityToken()) {
                    throw new InvalidImageException("registry " + host + " asks for basic credentials (GET " + uri
                            + ": 401, Basic) and " + credential + " is good only for a Bearer token server");
                }
                if (!loopback) {
                    requireHttps(uri);
                }
                authorization = credential.basic();
            }
            case "bearer" -> authorization = "Bearer " + token(challenge, credential, uri);
            default -> throw new InvalidImageException("registry " + host + ": GET " + uri
                    + " asks for the authentication scheme \"" + challenge.scheme() + "\", which gatun does not speak");
        }
    }

    private static void requireHttps(URI uri) {
        if (!"https".equals(uri.getScheme())) {
            throw new InvalidImageException("not sending credentials over plain HTTP to " + uri);
        }
    }

    /**
     * A token from the challenge's realm for its service and scope (the scope this pull needs when
     * the challenge has none), asked with the credential when there is one.
     */
    private String token(RegistryAuth.Challenge challenge, RegistryAuth.Credential credential, URI uri) throws IOException {
        String realm = challenge.param("realm");
        if (realm == null || realm.isEmpty()) {
            throw new InvalidImageException("registry " + host + ": GET " + uri + " asks for a Bearer token without a realm");
        }
        StringBuilder query = new StringBuilder();
        String service = challenge.param("service");
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        String scope = challenge.param("scope") != null ? challenge.param("scope") : "repository:" + name + ":pull";
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        boolean refresh = credential != null && credential.identityToken();
        URI tokenUri = refresh ? URI.create(realm) : URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).timeout(Duration.ofMinutes(1)).GET();
        if (credential != null && !isLoopback(tokenUri.getRawAuthority() == null ? "" : tokenUri.getRawAuthority())) {
            requireHttps(tokenUri);
        }
        if (refresh) {
            // distribution's OAuth2 token request: a form with the service and scope, the identity token as the refresh token
            String form = "grant_type=refresh_token&client_id=gatun&" + query
                    + "&refresh_token=" + URLEncoder.encode(credential.password(), StandardCharsets.UTF_8);
            b.header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        } else if (credential != null) {
            b.header("Authorization", credential.basic());
        }
        HttpResponse<InputStream> r = exchange(b.build());
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(ImageSource.MAX_JSON);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new InvalidImageException("token server " + tokenUri.getRawAuthority() + " for registry " + host + " refused "
                    + (credential != null ? credential : "anonymous access (" + lookup.describe() + ")")
                    + " (" + (refresh ? "POST " : "GET ") + realm + ": " + r.statusCode() + ")");
        }
        if (r.statusCode() != 200) {
            throw new IOException("token server for registry " + host + ": " + (refresh ? "POST " + realm : "GET " + tokenUri)
                    + " answered " + r.statusCode());
        }
        JsonNode json = ImageSource.parse("token server " + realm + " answer", body);
        String token = json.path("token").asString(json.path("access_token").asString(""));
        if (token.isEmpty()) {
            throw new InvalidImageException("token server " + realm + ": its answer has no \"token\" (nor \"access_token\")");
        }
        return token;
    }
}
