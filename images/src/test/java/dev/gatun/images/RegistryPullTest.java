package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from Debian's {@code docker-registry} (distribution), started by the test on a loopback
 * port and filled with {@code skopeo copy} from an OCI layout the test wrote: a multi-platform
 * index, anonymous. Skipped without docker-registry and skopeo, failing in CI.
 */
class RegistryPullTest {

    @TempDir
    Path tmp;
    Process registry;
    String host;
    Path layout;
    Path registryData;

    @BeforeEach
    void registry() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/usr/bin/docker-registry")) && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        registryData = tmp.resolve("registry");
        Path config = tmp.resolve("registry.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                + registryData + "\nhttp:\n  addr: " + host + "\n");
        registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                if (i > 100 || !registry.isAlive()) {
                    throw new AssertionError("docker-registry did not start: " + Files.readString(tmp.resolve("registry.log")));
                }
            }
            Thread.sleep(100);
        }
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Path upper = Files.createDirectories(tmp.resolve("upper/etc"));
        Files.writeString(upper.resolve(".wh.hostname"), "");
        Files.writeString(upper.resolve("pulled"), "yes");
        layout = OciLayoutBuilder.create().layer(base).layer(tmp.resolve("upper")).platforms("linux/arm64/v8", "linux/amd64")
                .cmd("/bin/sh", "-c", "cat /etc/pulled").refName("test").write(tmp.resolve("layout"));
        run("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false", "oci:" + layout + ":test",
                "docker://" + host + "/gatun/busybox:1");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            registry.waitFor();
        }
    }

    @Test
    void anIndexIsPulledForThePlatformAndUnpacksAsTheLayoutDoes() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = ImageSource.registry(host + "/gatun/busybox:1", Platform.current(), store);
        Image local = ImageSource.ociLayout(layout, null, Platform.current());
        assertThat(pulled.id()).isEqualTo(local.id()); // skopeo pushed the OCI index as it is
        assertThat(pulled.config().command()).containsExactly("/bin/sh", "-c", "cat /etc/pulled");
        Path tree = store.unpack(pulled);
        assertThat(tree.resolve("etc/pulled")).hasContent("yes");
        assertThat(tree.resolve("etc/hostname")).doesNotExist();
        assertThat(tree).isEqualTo(ImageStore.open(tmp.resolve("store")).unpack(local)); // same chain ID
        try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
            assertThat(s.count()).isEqualTo(3); // the config and two layers
        }
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
        // and by digest
        Image byDigest = ImageSource.registry(host + "/gatun/busybox@" + pulled.source().substring(pulled.source().lastIndexOf('@') + 1),
                Platform.current(), store);
        assertThat(byDigest.id()).isEqualTo(pulled.id());
    }

    @Test
    void aBlobTheRegistryServesCorruptIsRefusedAndNotKept() throws Exception {
        Image local = ImageSource.ociLayout(layout, null, Platform.current());
        Digest layer = local.layers().get(1).digest();
        Path data = registryData.resolve("docker/registry/v2/blobs/sha256").resolve(layer.hex().substring(0, 2))
                .resolve(layer.hex()).resolve("data");
        byte[] b = Files.readAllBytes(data);
        b[b.length / 2] ^= 1;
        Files.write(data, b);
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = ImageSource.registry(host + "/gatun/busybox:1", Platform.current(), store);
        assertThatThrownBy(() -> store.unpack(pulled)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("digest mismatch").hasMessageContaining(layer.toString());
        assertThat(store.root().resolve("blobs/sha256/" + layer.hex())).doesNotExist();
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
        try (Stream<Path> s = Files.list(store.root().resolve("rootfs/sha256"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aMissingTagAndABadReferenceAreNamed() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        assertThatThrownBy(() -> ImageSource.registry(host + "/gatun/busybox:nope", Platform.current(), store))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("manifest nope not found");
        assertThatThrownBy(() -> ImageSource.registry("busybox", Platform.current(), store))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("reference \"busybox\"");
        assertThatThrownBy(() -> ImageSource.registry(host + "/gatun/busybox:1", Platform.parse("linux/s390x"), store))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("no manifest for linux/s390x");
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
