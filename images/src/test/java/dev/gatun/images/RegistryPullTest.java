package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.LocalRegistry;
import dev.gatun.testing.OciLayoutBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
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
    LocalRegistry registry;
    String host;
    Path layout;
    Path registryData;

    @BeforeEach
    void registry() throws Exception {
        Kernel.require(LocalRegistry.available(),
                "docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        registry = LocalRegistry.start(Files.createDirectory(tmp.resolve("registry")));
        host = registry.host();
        registryData = registry.storage();
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Path upper = Files.createDirectories(tmp.resolve("upper/etc"));
        Files.writeString(upper.resolve(".wh.hostname"), "");
        Files.writeString(upper.resolve("pulled"), "yes");
        layout = OciLayoutBuilder.create().layer(base).layer(tmp.resolve("upper")).platforms("linux/arm64/v8", "linux/amd64")
                .cmd("/bin/sh", "-c", "cat /etc/pulled").refName("test").write(tmp.resolve("layout"));
        registry.push(layout, "test", "gatun/busybox:1");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
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
    void aPullThatUnpacksAsItDownloadsLeavesTheTreeAndTheRecord() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = ImageSource.registry(host + "/gatun/busybox:1", Platform.current(), store,
                PullOptions.defaults().withAuthFiles(java.util.List.of()).withUnpack(true).withConcurrency(1));
        Path tree = store.root().resolve("rootfs").resolve(pulled.chainIds().getLast().algorithm())
                .resolve(pulled.chainIds().getLast().hex());
        assertThat(tree.resolve("etc/pulled")).hasContent("yes");
        assertThat(tree.resolve("etc/hostname")).doesNotExist();
        assertThat(store.unpack(pulled)).isEqualTo(tree); // already there
        assertThat(store.images()).singleElement().satisfies(i -> {
            assertThat(i.names()).containsExactly(host + "/gatun/busybox:1");
            assertThat(i.chainId()).isEqualTo(pulled.chainIds().getLast());
            assertThat(i.blobs()).hasSize(3);
        });
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
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
        assertThatThrownBy(() -> ImageSource.registry(host + "/gatun/busybox:1", Platform.current(), store))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("digest mismatch").hasMessageContaining(layer.toString())
                .hasMessageContaining("GET http://" + host + "/v2/gatun/busybox/blobs/" + layer);
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
}
