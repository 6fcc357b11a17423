package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A pull through the OCI distribution API: {@code GET /v2/<name>/manifests/<ref>} and
 * {@code GET /v2/<name>/blobs/<digest>}, anonymous. Every manifest is checked against the digest
 * it was asked by (or the registry's {@code Docker-Content-Digest} for a tag), every blob against
 * its descriptor before the store keeps it.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pull">distribution-spec: pull</a>
 */
final class RegistryClient {

    private static final Pattern REFERENCE = Pattern.compile(
            "(?<host>[^/]+)/(?<name>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)"
                    + "(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>[a-z0-9]+:[a-f0-9]+))?");
    private static final String ACCEPT = String.join(", ", Descriptor.OCI_INDEX, Descriptor.OCI_MANIFEST,
            Descriptor.DOCKER_LIST, Descriptor.DOCKER_MANIFEST);

    private final String reference;
    private final String base;
    private final String ref;
    private final ImageStore store;
    /** Open only during {@link #pull}: its selector thread and pooled connections go with it. */
    private HttpClient http;

    RegistryClient(String reference, ImageStore store) {
        Matcher m = REFERENCE.matcher(reference);
        String host = m.matches() ? m.group("host") : null;
        if (host == null || !(host.contains(".") || host.contains(":") || host.equals("localhost"))) {
            throw new InvalidImageException("reference \"" + reference + "\": expected host[:port]/name[:tag|@digest] "
                    + "with the registry's host (e.g. localhost:5000/app:1)");
        }
        this.reference = reference;
        boolean loopback = host.equals("localhost") || host.startsWith("localhost:") || host.startsWith("127.")
                || host.startsWith("[::1]");
        this.base = (loopback ? "http://" : "https://") + host + "/v2/" + m.group("name");
        this.ref = m.group("digest") != null ? Digest.parse("reference \"" + reference + "\"", m.group("digest")).toString()
                : m.group("tag") != null ? m.group("tag") : "latest";
        this.store = store;
    }

    /** Pulls the manifest, the config and every layer into the store, then closes the connection. */
    Image pull(Platform platform) throws IOException {
        try (HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            http = client;
            Image image = pullManifests(platform);
            for (int i = 0; i < image.layers().size(); i++) {
                Descriptor d = image.layers().get(i);
                String what = image + " layers[" + i + "] (" + d.digest() + ")";
                store.blob(d, () -> stream("/blobs/" + d.digest(), what), what);
            }
            return image;
        } finally {
            http = null;
        }
    }

    private Image pullManifests(Platform platform) throws IOException {
        String where = "registry:" + reference;
        byte[] top = get("/manifests/" + ref, ACCEPT, "manifest " + ref, ImageSource.MAX_JSON).body;
        Digest topDigest = Digest.sha256(top);
        if (ref.contains(":") && !topDigest.toString().equals(ref)) {
            throw new InvalidImageException(where + ": manifest digest mismatch: content is " + topDigest);
        }
        JsonNode json = ImageSource.parse(where + " manifest", top);
        String mediaType = json.path("mediaType").asString(json.has("manifests") ? Descriptor.OCI_INDEX : Descriptor.OCI_MANIFEST);
        // while pulling, a missing blob is downloaded (and checked); afterwards every blob is stored
        Image.Blobs blobs = (d, what) -> Files.newInputStream(store.blob(d, () -> {
            if (http == null) {
                throw new java.nio.file.NoSuchFileException(what, null, "not in the store " + store.root() + " (pull again)");
            }
            return stream("/blobs/" + d.digest(), what);
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
        byte[] body = get("/manifests/" + d.digest(), ACCEPT, what, ImageSource.MAX_JSON).body;
        try (InputStream in = d.digest().verifying(new java.io.ByteArrayInputStream(body), d.size(), what)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return ImageSource.parse(what, body);
    }

    private record Fetched(byte[] body) {}

    private Fetched get(String path, String accept, String what, int max) throws IOException {
        try (InputStream in = stream(path, what, accept)) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw new InvalidImageException(what + ": more than " + max + " bytes");
            }
            return new Fetched(body);
        }
    }

    private InputStream stream(String path, String what) throws IOException {
        return stream(path, what, "*/*");
    }

    private InputStream stream(String path, String what, String accept) throws IOException {
        URI uri = URI.create(base + path);
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", accept).timeout(Duration.ofMinutes(5)).GET().build();
        HttpResponse<InputStream> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("GET " + uri + " interrupted");
        }
        if (r.statusCode() == 200) {
            return r.body();
        }
        r.body().close();
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        if (r.statusCode() == 401) {
            throw new InvalidImageException("registry " + uri + " asks for credentials (" + challenge
                    + "): only anonymous pulls are supported yet");
        }
        if (r.statusCode() == 404) {
            throw new InvalidImageException("registry:" + reference + ": " + what + " not found (GET " + uri + ": 404)");
        }
        throw new IOException("registry:" + reference + ": GET " + uri + " answered " + r.statusCode());
    }
}
