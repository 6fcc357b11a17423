package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads images from disk: an OCI image layout directory ({@link #ociLayout}) or a
 * {@code docker save} / {@code podman save} archive ({@link #dockerArchive}). Every JSON blob is
 * read bounded ({@value #MAX_JSON} bytes) and checked against its digest and size before it is
 * parsed; layers are checked as they are read. Errors are {@link InvalidImageException}s naming the
 * file and the field ({@code index.json manifests[1].digest}).
 *
 * <p>{@link #registry} pulls through the OCI distribution API into an {@link ImageStore}.
 */
public final class ImageSource {

    static final int MAX_JSON = 4 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String REF_NAME = "org.opencontainers.image.ref.name";

    private ImageSource() {}

    /**
     * The image for {@code platform} in the OCI image layout {@code dir}: {@code index.json}'s
     * manifests (through nested indexes) whose platform {@linkplain Platform#accepts accepts} it,
     * the first that does; when {@code refName} is not null only manifests annotated with that
     * {@code org.opencontainers.image.ref.name}.
     *
     * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md">image-spec: image layout</a>
     */
    public static Image ociLayout(Path dir, String refName, Platform platform) throws IOException {
        Path layoutFile = dir.resolve("oci-layout");
        if (!Files.isRegularFile(layoutFile)) {
            throw new InvalidImageException(dir + ": not an OCI image layout (no oci-layout file)");
        }
        JsonNode layout = parse(layoutFile.toString(), readBounded(layoutFile));
        if (!layout.path("imageLayoutVersion").asString("").startsWith("1.")) {
            throw new InvalidImageException(layoutFile + " imageLayoutVersion: \"" + layout.path("imageLayoutVersion")
                    + "\" is not 1.x");
        }
        JsonNode index = parse(dir.resolve("index.json").toString(), readBounded(dir.resolve("index.json")));
        Image.Blobs blobs = (d, what) -> d.digest().verifying(Files.newInputStream(blobPath(dir, d.digest())), d.size(), what);
        String where = "oci-layout:" + dir;
        List<String> seen = new ArrayList<>();
        Descriptor manifest = choose(index, "index.json", refName, platform, (d, what) -> json(blobs, d, where + " " + what), seen);
        if (manifest == null) {
            throw new InvalidImageException(where + ": no manifest for " + platform
                    + (refName != null ? " named \"" + refName + "\"" : "") + " (found: " + String.join(", ", seen) + ")");
        }
        return fromManifest(where + "@" + manifest.digest(), json(blobs, manifest, where + " manifest " + manifest.digest()), blobs);
    }

    interface JsonBlobs {
        JsonNode read(Descriptor d, String what) throws IOException;
    }

    static Descriptor choose(JsonNode index, String what, String refName, Platform platform, JsonBlobs blobs,
            List<String> seen) throws IOException {
        JsonNode manifests = index.path("manifests");
        if (!manifests.isArray()) {
            throw new InvalidImageException(what + " manifests: missing or not an array");
        }
        for (int i = 0; i < manifests.size(); i++) {
            String field = what + " manifests[" + i + "]";
            JsonNode m = manifests.get(i);
            if (refName != null && !refName.equals(m.path("annotations").path(REF_NAME).asString(null))) {
                seen.add(m.path("annotations").path(REF_NAME).asString("(no name)"));
                continue;
            }
            Descriptor d = descriptor(m, field);
            if (d.mediaType().equals(Descriptor.OCI_INDEX) || d.mediaType().equals(Descriptor.DOCKER_LIST)) {
                Descriptor inner = choose(blobs.read(d, field + " (" + d.digest() + ")"), field + " (" + d.digest() + ")", null, platform, blobs, seen);
                if (inner != null) {
                    return inner;
                }
                continue;
            }
            if (!d.mediaType().equals(Descriptor.OCI_MANIFEST) && !d.mediaType().equals(Descriptor.DOCKER_MANIFEST)) {
                throw new InvalidImageException(field + " mediaType: \"" + d.mediaType() + "\" is not a manifest or index");
            }
            Platform p = d.platform();
            if (p == null) { // no platform in the index: the config says
                JsonNode config = blobs.read(descriptor(blobs.read(d, field + " (" + d.digest() + ")").path("config"),
                        field + " config"), field + " config");
                p = new Platform(config.path("os").asString(""), config.path("architecture").asString(""),
                        config.path("variant").asString(null));
            }
            seen.add(p.toString());
            if (platform.accepts(p)) {
                return d;
            }
        }
        return null;
    }

    static Image fromManifest(String where, JsonNode manifest, Image.Blobs blobs) throws IOException {
        String mt = manifest.path("mediaType").asString(Descriptor.OCI_MANIFEST);
        if (!mt.equals(Descriptor.OCI_MANIFEST) && !mt.equals(Descriptor.DOCKER_MANIFEST)) {
            throw new InvalidImageException(where + " mediaType: \"" + mt + "\" is not an image manifest");
        }
        Descriptor configDescriptor = descriptor(manifest.path("config"), where + " config");
        JsonNode layers = manifest.path("layers");
        if (!layers.isArray()) {
            throw new InvalidImageException(where + " layers: missing or not an array");
        }
        List<Descriptor> list = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor d = descriptor(layers.get(i), where + " layers[" + i + "]");
            if (!Descriptor.isLayer(d.mediaType())) {
                throw new InvalidImageException(where + " layers[" + i + "] mediaType: \"" + d.mediaType()
                        + "\" is not a layer media type this runtime applies");
            }
            list.add(d);
        }
        ImageConfig config = config(json(blobs, configDescriptor, where + " config"), where + " config");
        return new Image(where, configDescriptor.digest(), config, list, blobs);
    }

    /**
     * The image {@code reference} ({@code host[:port]/name[:tag|@digest]}; the registry host is
     * required) for {@code platform}, pulled through the OCI distribution API: the manifest (an
     * index or list is resolved to the platform's manifest), then the config and the layers, each
     * downloaded into {@code store}'s blobs and checked against its digest and size before it is
     * kept; the connection is closed when this returns, and the image is recorded in the store
     * under {@code reference}. Plain HTTP for a loopback registry ({@code localhost},
     * {@code 127.*}, {@code [::1]}), HTTPS otherwise. With {@link PullOptions#defaults()}:
     * credentials from the usual auth files, three layers at a time, five tries.
     *
     * @throws InvalidImageException a digest or size mismatch, an unknown media type, no manifest
     *     for the platform, a registry that refuses the credentials (or asks for some and none are found)
     */
    public static Image registry(String reference, Platform platform, ImageStore store) throws IOException {
        return registry(reference, platform, store, PullOptions.defaults());
    }

    /**
     * {@link #registry(String, Platform, ImageStore)} with {@code options}: where credentials
     * are looked up, a progress listener, concurrency and retries.
     */
    public static Image registry(String reference, Platform platform, ImageStore store, PullOptions options)
            throws IOException {
        return new RegistryClient(reference, store, options).pull(platform);
    }

    /**
     * The image in a {@code docker save} archive (a tar with {@code manifest.json}): the one whose
     * {@code RepoTags} contain {@code tag}, or the first when {@code tag} is null. Docker's layers
     * carry no digest of their own bytes: each is checked against the config's diff ID as it is
     * applied ({@link ImageStore#unpack}); the config against its file name's digest.
     */
    public static Image dockerArchive(Path archive, String tag) throws IOException {
        String where = "docker-archive:" + archive;
        byte[] manifestBytes;
        try (TarFile tar = new TarFile(archive)) {
            manifestBytes = entryBytes(tar, "manifest.json", where);
            JsonNode manifests = parse(where + " manifest.json", manifestBytes);
            if (!manifests.isArray() || manifests.isEmpty()) {
                throw new InvalidImageException(where + " manifest.json: expected a non-empty array");
            }
            JsonNode chosen = null;
            List<String> tags = new ArrayList<>();
            for (JsonNode m : manifests) {
                boolean match = tag == null;
                for (JsonNode t : m.path("RepoTags")) {
                    tags.add(t.asString());
                    match |= tag != null && normalise(t.asString("")).equals(normalise(tag));
                }
                if (match) {
                    chosen = m;
                    break;
                }
            }
            if (chosen == null) {
                throw new InvalidImageException(where + ": no image tagged \"" + tag + "\" (tags: " + tags + ")");
            }
            String configName = chosen.path("Config").asString(null);
            if (configName == null) {
                throw new InvalidImageException(where + " manifest.json Config: missing");
            }
            byte[] configBytes = entryBytes(tar, configName, where);
            Digest id = Digest.sha256(configBytes);
            String expected = configName.replaceFirst("^blobs/sha256/", "").replaceFirst("\\.json$", "");
            if (expected.matches("[a-f0-9]{64}") && !expected.equals(id.hex())) {
                throw new InvalidImageException(where + " " + configName + ": digest mismatch: content is " + id);
            }
            ImageConfig config = config(parse(where + " " + configName, configBytes), where + " " + configName);
            JsonNode layers = chosen.path("Layers");
            List<Descriptor> list = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                String name = layers.get(i).asString();
                if (i >= config.diffIds().size()) {
                    break; // Image's constructor reports the count mismatch
                }
                findEntry(tar, name, where); // present now, not at unpack time
                // the entry name goes in the media type's place: Docker has no descriptor
                list.add(new Descriptor(name, config.diffIds().get(i), -1, null));
            }
            Image.Blobs blobs = (d, what) -> {
                TarFile t = new TarFile(archive);
                InputStream in = t.getInputStream(findEntry(t, d.mediaType(), where));
                return new java.io.FilterInputStream(in) {
                    @Override
                    public void close() throws IOException {
                        try {
                            super.close();
                        } finally {
                            t.close();
                        }
                    }
                };
            };
            return new Image(where, id, config, list, blobs);
        }
    }

    /** Docker's short names in full: {@code busybox:1} is {@code docker.io/library/busybox:1}. */
    static String normalise(String reference) {
        int slash = reference.indexOf('/');
        if (slash < 0) {
            return "docker.io/library/" + reference;
        }
        String first = reference.substring(0, slash);
        boolean registry = first.contains(".") || first.contains(":") || first.equals("localhost");
        return registry ? reference : "docker.io/" + reference;
    }

    private static TarArchiveEntry findEntry(TarFile tar, String name, String where) {
        String clean = name.startsWith("./") ? name.substring(2) : name;
        for (TarArchiveEntry e : tar.getEntries()) {
            String n = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
            if (n.equals(clean) && e.isFile()) {
                return e;
            }
        }
        throw new InvalidImageException(where + ": no file \"" + name + "\" in the archive");
    }

    private static byte[] entryBytes(TarFile tar, String name, String where) throws IOException {
        TarArchiveEntry e = findEntry(tar, name, where);
        if (e.getSize() > MAX_JSON) {
            throw new InvalidImageException(where + " " + name + ": " + e.getSize() + " bytes, more than " + MAX_JSON);
        }
        try (InputStream in = tar.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    static ImageConfig config(JsonNode c, String where) {
        JsonNode rootfs = c.path("rootfs");
        if (!"layers".equals(rootfs.path("type").asString(null))) {
            throw new InvalidImageException(where + " rootfs.type: expected \"layers\"");
        }
        List<Digest> diffIds = new ArrayList<>();
        for (int i = 0; i < rootfs.path("diff_ids").size(); i++) {
            diffIds.add(Digest.parse(where + " rootfs.diff_ids[" + i + "]", rootfs.path("diff_ids").get(i).asString(null)));
        }
        JsonNode p = c.path("config");
        Set<String> ports = new TreeSet<>();
        p.path("ExposedPorts").propertyNames().forEach(ports::add);
        Map<String, String> labels = new LinkedHashMap<>();
        p.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
        ImageConfig.Healthcheck hc = null;
        JsonNode h = p.path("Healthcheck");
        if (h.isObject()) {
            hc = new ImageConfig.Healthcheck(strings(h.path("Test"), where + " config.Healthcheck.Test"),
                    nanos(h.path("Interval")), nanos(h.path("Timeout")), nanos(h.path("StartPeriod")),
                    h.path("Retries").isNumber() ? h.path("Retries").asInt() : null);
        }
        return new ImageConfig(new Platform(c.path("os").asString(""), c.path("architecture").asString(""),
                c.path("variant").asString(null)), strings(p.path("Entrypoint"), where + " config.Entrypoint"),
                strings(p.path("Cmd"), where + " config.Cmd"), strings(p.path("Env"), where + " config.Env"),
                emptyToNull(p.path("WorkingDir").asString(null)), emptyToNull(p.path("User").asString(null)), ports,
                emptyToNull(p.path("StopSignal").asString(null)), hc, labels, diffIds);
    }

    private static Duration nanos(JsonNode n) {
        return n.isNumber() ? Duration.ofNanos(n.asLong()) : null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static List<String> strings(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidImageException(where + ": expected an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isString()) {
                throw new InvalidImageException(where + "[" + i + "]: expected a string");
            }
            out.add(n.get(i).asString());
        }
        return out;
    }

    static Descriptor descriptor(JsonNode d, String where) {
        if (!d.isObject()) {
            throw new InvalidImageException(where + ": missing or not a descriptor object");
        }
        String mediaType = d.path("mediaType").asString(null);
        if (mediaType == null) {
            throw new InvalidImageException(where + " mediaType: missing");
        }
        Digest digest = Digest.parse(where + " digest", d.path("digest").asString(null));
        if (!d.path("size").canConvertToLong() || d.path("size").asLong() < 0) {
            throw new InvalidImageException(where + " size: missing or negative");
        }
        Platform platform = null;
        JsonNode p = d.path("platform");
        if (p.isObject()) {
            platform = new Platform(p.path("os").asString(""), p.path("architecture").asString(""),
                    p.path("variant").asString(null));
        }
        return new Descriptor(mediaType, digest, d.path("size").asLong(), platform);
    }

    static JsonNode json(Image.Blobs blobs, Descriptor d, String what) throws IOException {
        if (d.size() > MAX_JSON) {
            throw new InvalidImageException(what + ": " + d.size() + " bytes, more than " + MAX_JSON);
        }
        try (InputStream in = blobs.open(d, what)) {
            byte[] bytes = in.readNBytes(MAX_JSON + 1);
            in.transferTo(java.io.OutputStream.nullOutputStream()); // to the end: the digest check
            return parse(what, bytes);
        }
    }

    static Path blobPath(Path layout, Digest d) throws NoSuchFileException {
        Path p = layout.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "blob " + d + " is missing from the layout");
        }
        return p;
    }

    private static byte[] readBounded(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new InvalidImageException(p + ": missing");
        }
        if (Files.size(p) > MAX_JSON) {
            throw new InvalidImageException(p + ": " + Files.size(p) + " bytes, more than " + MAX_JSON);
        }
        return Files.readAllBytes(p);
    }

    static JsonNode parse(String what, byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new InvalidImageException(what + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
