package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layouts and docker archives written by the test, read and unpacked into a store in a temp dir. */
class ImageStoreTest {

    @TempDir
    Path tmp;
    Path base;
    Path upper;
    Path layout;
    ImageStore store;

    @BeforeEach
    void image() throws IOException {
        Assumptions.assumeTrue(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        base = BusyboxRootfs.create(tmp.resolve("base"));
        Files.createDirectories(base.resolve("var/cache/old"));
        Files.writeString(base.resolve("var/cache/old/x"), "lower");
        Files.writeString(base.resolve("etc/motd"), "to be removed");
        // the second layer: a whiteout, an opaque directory, a hard link, a setuid file, a symlink
        upper = Files.createDirectories(tmp.resolve("upper"));
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/.wh.motd"), "");
        Files.createDirectories(upper.resolve("var/cache"));
        Files.writeString(upper.resolve("var/cache/.wh..wh..opq"), "");
        Files.writeString(upper.resolve("var/cache/new"), "upper");
        Files.createDirectories(upper.resolve("app"));
        Files.writeString(upper.resolve("app/tool"), "#!/bin/sh\necho tool\n");
        Files.setAttribute(upper.resolve("app/tool"), "unix:mode", 04755);
        Files.createLink(upper.resolve("app/tool-link"), upper.resolve("app/tool"));
        Files.createSymbolicLink(upper.resolve("app/latest"), Path.of("/app/tool"));
        layout = OciLayoutBuilder.create().layer(base).layer(upper).platforms("linux/arm64", "linux/amd64", "linux/arm/v7")
                .entrypoint("/bin/sh", "-c").cmd("echo hi").env("PATH=/bin", "GREETING=hello").workingDir("/app")
                .user("nobody").refName("test").write(tmp.resolve("layout"));
        store = ImageStore.open(tmp.resolve("store"));
    }

    @Test
    void anOciLayoutIsReadForThePlatformAsked() throws IOException {
        Image arm = ImageSource.ociLayout(layout, null, Platform.parse("linux/arm64"));
        Image amd = ImageSource.ociLayout(layout, "test", Platform.parse("linux/amd64"));
        assertThat(arm.config().platform().architecture()).isEqualTo("arm64");
        assertThat(amd.config().platform().architecture()).isEqualTo("amd64");
        assertThat(arm.id()).isNotEqualTo(amd.id());
        ImageConfig c = amd.config();
        assertThat(c.command()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(c.env()).containsExactly("PATH=/bin", "GREETING=hello");
        assertThat(c.workingDir()).isEqualTo("/app");
        assertThat(c.user()).isEqualTo("nobody");
        assertThat(c.exposedPorts()).containsExactly("8080/tcp");
        assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(c.healthcheck().test()).containsExactly("CMD", "true");
        assertThat(c.healthcheck().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(amd.layers()).hasSize(2);
    }

    @Test
    void aPlatformNotInTheIndexIsAnErrorListingThoseThatAre() {
        assertThatThrownBy(() -> ImageSource.ociLayout(layout, null, Platform.parse("linux/s390x")))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("no manifest for linux/s390x")
                .hasMessageContaining("linux/arm64, linux/amd64, linux/arm/v7");
        assertThatThrownBy(() -> ImageSource.ociLayout(layout, "other", Platform.current()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("named \"other\"");
    }

    @Test
    void unpackingAppliesTheLayersInOrder() throws IOException {
        Path rootfs = store.unpack(ImageSource.ociLayout(layout, null, Platform.current()));
        assertThat(rootfs).startsWith(store.root().resolve("rootfs/sha256"));
        assertThat(rootfs.resolve("bin/busybox")).isExecutable();
        assertThat(Files.readSymbolicLink(rootfs.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        assertThat(rootfs.resolve("etc/motd")).doesNotExist();
        assertThat(rootfs.resolve("etc/passwd")).exists();
        try (Stream<Path> s = Files.list(rootfs.resolve("var/cache"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("new");
        }
        assertThat((int) Files.getAttribute(rootfs.resolve("app/tool"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat(Files.isSameFile(rootfs.resolve("app/tool"), rootfs.resolve("app/tool-link"))).isTrue();
        assertThat(Files.readSymbolicLink(rootfs.resolve("app/latest"))).isEqualTo(Path.of("/app/tool"));
        assertThat(tmpOfStore()).isEmpty();
        // a second unpack finds it
        assertThat(store.unpack(ImageSource.ociLayout(layout, null, Platform.current()))).isEqualTo(rootfs);
    }

    @Test
    void concurrentUnpacksOfOneImageMakeOneTree() throws Exception {
        Image image = ImageSource.ociLayout(layout, null, Platform.current());
        ImageStore other = ImageStore.open(store.root()); // as another JVM would
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Callable<Path>> jobs = List.of(() -> store.unpack(image), () -> other.unpack(image),
                    () -> store.unpack(image), () -> other.unpack(image));
            List<Path> results = pool.invokeAll(jobs).stream().map(ImageStoreTest::get).distinct().toList();
            assertThat(results).hasSize(1);
        }
        assertThat(tmpOfStore()).isEmpty();
    }

    @Test
    void aCorruptLayerBlobIsADigestMismatchAndLeavesNothingInTheStore() throws IOException {
        Image image = ImageSource.ociLayout(layout, null, Platform.current());
        Path blob = layout.resolve("blobs/sha256").resolve(image.layers().get(1).digest().hex());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 9] ^= 1; // inside the gzip trailer's CRC: gzip itself may not notice first
        Files.write(blob, bytes);
        assertThatThrownBy(() -> store.unpack(image)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("layers[1]").hasMessageContaining(image.layers().get(1).digest().toString());
        assertThat(tmpOfStore()).isEmpty();
        try (Stream<Path> s = Files.list(store.root().resolve("rootfs/sha256"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aTruncatedLayerBlobIsAnErrorAndLeavesNothing() throws IOException {
        Image image = ImageSource.ociLayout(layout, null, Platform.current());
        Path blob = layout.resolve("blobs/sha256").resolve(image.layers().get(0).digest().hex());
        Files.write(blob, java.util.Arrays.copyOf(Files.readAllBytes(blob), (int) Files.size(blob) / 2));
        assertThatThrownBy(() -> store.unpack(image)).isInstanceOf(InvalidImageException.class).hasMessageContaining("layers[0]");
        assertThat(tmpOfStore()).isEmpty();
    }

    @Test
    void aConfigWhoseDiffIdsDoNotMatchTheLayersIsRefused() throws IOException {
        Path other = OciLayoutBuilder.create().layer(OciLayoutBuilder.tar(upper), false).write(tmp.resolve("bad"));
        // swap the uncompressed layer for another tar: the manifest's digest is fixed up, the config's diff ID is not
        Image image = ImageSource.ociLayout(other, null, Platform.current());
        Path blob = other.resolve("blobs/sha256").resolve(image.layers().get(0).digest().hex());
        byte[] replaced = OciLayoutBuilder.tar(base);
        Image forged = new Image(image.source(), image.id(), image.config(),
                List.of(new Descriptor(image.layers().get(0).mediaType(), Digest.sha256(replaced), replaced.length, null)),
                (d, what) -> new java.io.ByteArrayInputStream(replaced));
        Files.delete(blob);
        assertThatThrownBy(() -> store.unpack(forged)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("rootfs.diff_ids[0] says " + image.config().diffIds().get(0));
        assertThat(tmpOfStore()).isEmpty();
    }

    @Test
    void anUnknownLayerMediaTypeIsAnErrorNamingTheField() throws IOException {
        Image image = ImageSource.ociLayout(layout, null, Platform.current());
        Path manifestIndex = layout.resolve("index.json");
        // rewrite: a manifest whose layer has an unknown media type, then the index pointing at it
        String manifest = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\"" + image.id() + "\",\"size\":" + Files.size(layout.resolve("blobs/sha256/" + image.id().hex()))
                + "},\"layers\":[{\"mediaType\":\"application/x-foo\",\"digest\":\"" + image.layers().get(0).digest()
                + "\",\"size\":1}]}";
        Digest md = Digest.sha256(manifest.getBytes());
        Files.writeString(layout.resolve("blobs/sha256/" + md.hex()), manifest);
        Files.writeString(manifestIndex, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + md + "\",\"size\":" + manifest.length() + "}]}");
        assertThatThrownBy(() -> ImageSource.ociLayout(layout, null, Platform.current()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("layers[0] mediaType: \"application/x-foo\"");
    }

    @Test
    void aTamperedIndexEntryIsADigestMismatch() throws IOException {
        String index = Files.readString(layout.resolve("index.json"));
        Image image = ImageSource.ociLayout(layout, null, Platform.current());
        Path manifest = layout.resolve("blobs/sha256").resolve(image.source().substring(image.source().indexOf("@sha256:") + 8));
        Files.writeString(manifest, Files.readString(manifest).replace("\"schemaVersion\":2", "\"schemaVersion\":2 "));
        assertThatThrownBy(() -> ImageSource.ociLayout(layout, null, Platform.current()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining(" manifest sha256:").hasMessageContaining("bytes its descriptor says");
        assertThat(index).isEqualTo(Files.readString(layout.resolve("index.json")));
    }

    @Test
    void aDirectoryThatIsNoLayoutIsNamed() {
        assertThatThrownBy(() -> ImageSource.ociLayout(tmp, null, Platform.current()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining(tmp + ": not an OCI image layout");
    }

    @Test
    void aDigestThatIsNotHexIsRefusedNamingTheField() throws IOException {
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}");
        assertThatThrownBy(() -> ImageSource.ociLayout(layout, null, Platform.current()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("index.json manifests[0] digest");
    }

    @Test
    void aDockerArchiveWhoseManifestNamesAMissingLayerIsRefused() throws IOException {
        Path archive = tmp.resolve("bad.tar");
        byte[] config = ("{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256(new byte[0]) + "\"]}}").getBytes();
        String configName = Digest.sha256(config).hex() + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"../../etc/passwd\"]}]").getBytes();
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(archive))) {
            for (var e : java.util.Map.of("manifest.json", manifest, configName, config).entrySet()) {
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                out.putArchiveEntry(entry);
                out.write(e.getValue());
                out.closeArchiveEntry();
            }
        }
        assertThatThrownBy(() -> ImageSource.dockerArchive(archive, "x:1")).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("no file \"../../etc/passwd\" in the archive");
    }

    private List<Path> tmpOfStore() throws IOException {
        try (Stream<Path> s = Files.list(store.root().resolve("tmp"))) {
            return s.toList();
        }
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static boolean isLink(Path p) {
        return Files.isSymbolicLink(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }
}
