package dev.gatun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.LocalRegistry;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gatun pull}, {@code gatun images} and {@code gatun rmi}, each a separate JVM, against
 * Debian's {@code docker-registry} on a loopback port (an image skopeo pushed from a layout the
 * test wrote), with {@code --store} in a temp dir. Off a terminal, pull reports plain lines on
 * stderr and the image id on stdout. Skipped without docker-registry and skopeo, failing in CI.
 */
class GatunImagesCommandTest {

    @TempDir
    Path tmp;
    LocalRegistry registry;
    String reference;
    Path store;

    @BeforeEach
    void registry() throws Exception {
        Kernel.require(LocalRegistry.available(),
                "docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        registry = LocalRegistry.start(Files.createDirectory(tmp.resolve("registry")));
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Files.writeString(Files.createDirectories(tmp.resolve("upper/etc")).resolve("pulled"), "yes");
        Path layout = OciLayoutBuilder.create().layer(base).layer(tmp.resolve("upper")).refName("test").write(tmp.resolve("layout"));
        reference = registry.push(layout, "test", "gatun/cli:1");
        store = tmp.resolve("store");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pullListsAndRemovesAnImage() throws Exception {
        Result pulled = gatun("pull", "--store", store.toString(), reference);
        assertThat(pulled.code()).as(pulled.err()).isZero();
        String id = pulled.out().strip();
        assertThat(id).matches("sha256:[0-9a-f]{64}");
        assertThat(pulled.err().lines().filter(l -> l.matches("layer [12] [0-9a-f]{12} .* done"))).hasSize(2);
        assertThat(pulled.err()).contains("unpacked 2 layers").doesNotContain("\r");
        try (Stream<Path> trees = Files.list(store.resolve("rootfs/sha256"))) {
            assertThat(trees.toList()).singleElement().satisfies(t -> assertThat(t.resolve("etc/pulled")).hasContent("yes"));
        }

        Result listed = gatun("images", "--store", store.toString());
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out().lines().toList()).containsExactly(String.format("%-19s %-8s %s", "ID", "UNPACKED", "NAMES"),
                String.format("%-19s %-8s %s", id.substring(7, 19), "yes", reference));

        Result removed = gatun("rmi", "--store", store.toString(), reference);
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed " + id).containsPattern("freed [0-9.]+ MB \\(3 blobs, 1 trees\\)");
        try (Stream<Path> blobs = Files.list(store.resolve("blobs/sha256")); Stream<Path> trees = Files.list(store.resolve("rootfs/sha256"))) {
            assertThat(blobs).isEmpty();
            assertThat(trees).isEmpty();
        }
        assertThat(gatun("images", "--store", store.toString(), "-q").out()).isEmpty();
    }

    @Test
    void rmiKeepsTheTreeAndBlobsOfAnImageARunningContainerHoldsUntilItLetsGo() throws Exception {
        Result pulled = pull();
        assertThat(pulled.code()).as(pulled.err()).isZero();
        dev.gatun.images.ImageStore s = dev.gatun.images.ImageStore.open(store);
        Path tree;
        // this JVM stands for one running a container from the image (ImageRoot holds it so)
        try (dev.gatun.images.ImageStore.Hold held = s.hold(dev.gatun.images.Digest.parse("id", pulled.out().strip()))) {
            tree = held.tree();
            Result removed = gatun("rmi", "--store", store.toString(), reference);
            assertThat(removed.code()).as(removed.err()).isZero();
            assertThat(removed.out()).contains("removed " + pulled.out().strip()).contains("(0 blobs, 0 trees)");
            assertThat(tree.resolve("etc/pulled")).hasContent("yes");
            assertThat(gatun("images", "--store", store.toString(), "-q").out()).isEmpty();
        }
        dev.gatun.images.ImageStore.Collected c = s.gc();
        assertThat(c.blobs()).isEqualTo(3);
        assertThat(c.trees()).isEqualTo(1);
        assertThat(tree).doesNotExist();
    }

    @Test
    void twoJvmsPullingTheSameImageIntoOneStoreShareItsBlobsAndTree() throws Exception {
        java.util.concurrent.CompletableFuture<Result> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> pull());
        Result second = pull();
        Result one = first.get(180, TimeUnit.SECONDS);
        assertThat(one.code()).as(one.err()).isZero();
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(one.out()).isEqualTo(second.out());
        try (Stream<Path> blobs = Files.list(store.resolve("blobs/sha256")); Stream<Path> trees = Files.list(store.resolve("rootfs/sha256"))) {
            assertThat(blobs).hasSize(3);
            assertThat(trees).hasSize(1);
        }
        assertThat(store.resolve("tmp")).isEmptyDirectory();
        assertThat(gatun("images", "--store", store.toString(), "-q").out().lines()).containsExactly(one.out().strip());
    }

    private Result pull() {
        try {
            return gatun("pull", "--store", store.toString(), reference);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMissingTagAndAnUnknownImageFailWithOneMessage() throws Exception {
        Result missing = gatun("pull", "--store", store.toString(), reference.replace(":1", ":nope"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("manifest nope not found").contains("level=error");
        Result unknown = gatun("rmi", "--store", store.toString(), "no/such:image");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("image \\\"no/such:image\\\" is not in the store " + store);
    }

    record Result(int code, String out, String err) {}

    private static Result gatun(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.gatun.core", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-p", System.getProperty("jdk.module.path"), "-m", "dev.gatun.cli/dev.gatun.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("gatun-out", ".txt");
        Path err = Files.createTempFile("gatun-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null"))).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("gatun " + String.join(" ", args) + " ends").isTrue();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
