package dev.gatun.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an OCI image layout for tests: layers tarred from directories (a file named
 * {@code .wh.x} is a whiteout, {@code .wh..wh..opq} an opaque marker, as in any layer), a config
 * with the process defaults given, one manifest per platform and an {@code index.json} listing
 * them (through a nested index named {@link #refName} when there are several). JSON is written by hand: this module has no JSON library.
 */
public final class OciLayoutBuilder {

    private final List<byte[]> layers = new ArrayList<>();
    private final List<byte[]> diffIds = new ArrayList<>();
    private final List<String> layerTypes = new ArrayList<>();
    private List<String> platforms = List.of("linux/" + goArch());
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of("/bin/sh");
    private List<String> env = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    private String workingDir = "";
    private String user = "";
    private String refName;

    public static OciLayoutBuilder create() {
        return new OciLayoutBuilder();
    }

    /** A gzip layer of the tree at {@code dir}: files, directories, symlinks, hard links, modes, owners. */
    public OciLayoutBuilder layer(Path dir) throws IOException {
        return layer(tar(dir), true);
    }

    /** A layer of the given tar bytes, gzip-compressed when {@code gzip}. */
    public OciLayoutBuilder layer(byte[] tar, boolean gzip) throws IOException {
        diffIds.add(tar);
        layers.add(gzip ? gzip(tar) : tar);
        layerTypes.add(gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar");
        return this;
    }

    /** The platforms of the index (one manifest each, same layers), e.g. {@code linux/arm64}, {@code linux/amd64}. */
    public OciLayoutBuilder platforms(String... platforms) {
        this.platforms = List.of(platforms);
        return this;
    }

    private List<String> healthcheckTest = List.of("CMD", "true");
    private java.time.Duration healthcheckInterval = java.time.Duration.ofSeconds(5);

    public OciLayoutBuilder entrypoint(String... args) {
        this.entrypoint = List.of(args);
        return this;
    }

    public OciLayoutBuilder cmd(String... args) {
        this.cmd = List.of(args);
        return this;
    }

    public OciLayoutBuilder env(String... env) {
        this.env = List.of(env);
        return this;
    }

    public OciLayoutBuilder workingDir(String dir) {
        this.workingDir = dir;
        return this;
    }

    public OciLayoutBuilder user(String user) {
        this.user = user;
        return this;
    }

    /** The config's {@code Healthcheck}: its test and interval (default {@code ["CMD", "true"]} every 5 s). */
    public OciLayoutBuilder healthcheck(java.time.Duration interval, String... test) {
        this.healthcheckTest = List.of(test);
        this.healthcheckInterval = interval;
        return this;
    }

    /** The {@code org.opencontainers.image.ref.name} annotation of the index's entries. */
    public OciLayoutBuilder refName(String name) {
        this.refName = name;
        return this;
    }

    /** Writes the layout into {@code dir} (made if missing) and returns it. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String> layerDescriptors = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            layerDescriptors.add(descriptor(layerTypes.get(i), blob(dir, layers.get(i)), layers.get(i).length, null, null));
        }
        List<String> manifests = new ArrayList<>();
        for (String platform : platforms) {
            String[] p = platform.split("/");
            String config = "{\"architecture\":" + q(p[1]) + ",\"os\":" + q(p[0])
                    + (p.length > 2 ? ",\"variant\":" + q(p[2]) : "")
                    + ",\"config\":{\"Entrypoint\":" + arr(entrypoint) + ",\"Cmd\":" + arr(cmd) + ",\"Env\":" + arr(env)
                    + ",\"WorkingDir\":" + q(workingDir) + ",\"User\":" + q(user)
                    + ",\"ExposedPorts\":{\"8080/tcp\":{}},\"StopSignal\":\"SIGQUIT\""
                    + ",\"Healthcheck\":{\"Test\":" + arr(healthcheckTest) + ",\"Interval\":" + healthcheckInterval.toNanos()
                    + ",\"Retries\":3}}"
                    + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
                    + arr(diffIds.stream().map(b -> "sha256:" + sha256(b)).toList()) + "}}";
            byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                    + descriptor("application/vnd.oci.image.config.v1+json", blob(dir, configBytes), configBytes.length, null, null)
                    + ",\"layers\":[" + String.join(",", layerDescriptors) + "]}";
            byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
            String platformJson = "{\"architecture\":" + q(p[1]) + ",\"os\":" + q(p[0])
                    + (p.length > 2 ? ",\"variant\":" + q(p[2]) : "") + "}";
            manifests.add(descriptor("application/vnd.oci.image.manifest.v1+json", blob(dir, manifestBytes),
                    manifestBytes.length, platformJson, platforms.size() == 1 ? refName : null));
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[" + String.join(",", manifests) + "]}";
        if (platforms.size() > 1 && refName != null) {
            // a name for all platforms: index.json names a nested index (what skopeo copy --all pushes whole)
            byte[] nested = index.getBytes(StandardCharsets.UTF_8);
            index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                    + descriptor("application/vnd.oci.image.index.v1+json", blob(dir, nested), nested.length, null, refName) + "]}";
        }
        Files.writeString(dir.resolve("index.json"), index);
        return dir;
    }

    private String descriptor(String mediaType, String hex, long size, String platform, String name) {
        return "{\"mediaType\":" + q(mediaType) + ",\"digest\":\"sha256:" + hex + "\",\"size\":" + size
                + (platform != null ? ",\"platform\":" + platform : "")
                + (name != null ? ",\"annotations\":{\"org.opencontainers.image.ref.name\":" + q(name) + "}" : "")
                + "}";
    }

    private static String blob(Path dir, byte[] content) throws IOException {
        String hex = sha256(content);
        Files.write(dir.resolve("blobs/sha256").resolve(hex), content);
        return hex;
    }

    /** The tar of the tree at {@code dir}, names relative to it, in a stable order. */
    public static byte[] tar(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarArchiveOutputStream out = new TarArchiveOutputStream(bytes);
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        java.util.Map<Object, String> seen = new java.util.HashMap<>();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.filter(p -> !p.equals(dir)).sorted().toList();
        }
        for (Path p : paths) {
            String name = dir.relativize(p).toString();
            var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            TarArchiveEntry e;
            if (attrs.isSymbolicLink()) {
                e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (attrs.isDirectory()) {
                e = new TarArchiveEntry(name + "/");
            } else if ((int) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1
                    && seen.containsKey(attrs.fileKey())) {
                e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
                e.setLinkName(seen.get(attrs.fileKey()));
            } else {
                seen.put(attrs.fileKey(), name);
                e = new TarArchiveEntry(name);
                e.setSize(attrs.size());
            }
            e.setMode(mode);
            e.setUserId((int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            e.setGroupId((int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            e.setModTime(attrs.lastModifiedTime());
            out.putArchiveEntry(e);
            if (attrs.isRegularFile() && e.getLinkFlag() != TarArchiveEntry.LF_LINK) {
                Files.copy(p, out);
            }
            out.closeArchiveEntry();
        }
        out.finish();
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String goArch() {
        return System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
    }

    private static String arr(List<String> l) {
        return "[" + String.join(",", l.stream().map(OciLayoutBuilder::q).toList()) + "]";
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
