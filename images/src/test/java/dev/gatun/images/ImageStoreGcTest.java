package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image records, {@link ImageStore#remove} and {@link ImageStore#gc()}: what no record references
 * goes, what one does stays, and gc waits for the store's users, in this JVM and in another.
 */
class ImageStoreGcTest {

    @TempDir
    Path tmp;
    ImageStore store;
    Image a;
    Image b;

    @BeforeEach
    void twoImagesOnOneBase() throws IOException {
        Assumptions.assumeTrue(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Files.writeString(Files.createDirectories(tmp.resolve("ua")).resolve("a"), "a");
        Files.writeString(Files.createDirectories(tmp.resolve("ub")).resolve("b"), "b");
        a = ImageSource.ociLayout(OciLayoutBuilder.create().layer(base).layer(tmp.resolve("ua")).write(tmp.resolve("la")),
                null, Platform.current());
        b = ImageSource.ociLayout(OciLayoutBuilder.create().layer(base).layer(tmp.resolve("ub")).write(tmp.resolve("lb")),
                null, Platform.current());
        store = ImageStore.open(tmp.resolve("store"));
    }

    /** A blob in the store as a pull would put it there. */
    private Digest blob(String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Descriptor d = new Descriptor("application/octet-stream", Digest.sha256(bytes), bytes.length, null);
        store.blob(d, partial -> partial.append(bytes, 0, bytes.length), "test blob");
        return d.digest();
    }

    @Test
    void gcRemovesWhatNoRecordReferencesAndKeepsWhatOneDoes() throws IOException {
        Path treeA = store.unpack(a);
        Path treeB = store.unpack(b);
        Digest kept = blob("kept");
        Digest orphan = blob("orphan");
        store.recordPull(a.id(), "127.0.0.1:5000/a:1", List.of(kept));
        Files.writeString(store.root().resolve("tmp/sha256-" + orphan.hex() + ".partial"), "left by a killed pull");
        assertThat(store.images()).extracting(ImageStore.StoredImage::id).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(store.images().stream().filter(i -> i.id().equals(a.id())).findFirst().orElseThrow().names())
                .containsExactly(a.source(), "127.0.0.1:5000/a:1");

        assertThat(store.remove(b.source())).containsExactly(b.id().toString()); // its last name: the record goes
        assertThat(store.remove("no/such:image")).isEmpty();
        ImageStore.Collected c = store.gc();

        assertThat(c.blobs()).isEqualTo(1);
        assertThat(c.trees()).isEqualTo(1);
        assertThat(c.scratch()).isEqualTo(1);
        assertThat(c.bytes()).isGreaterThan(Files.size(treeA.resolve("bin/busybox"))); // B's tree holds a busybox too
        assertThat(treeA.resolve("a")).hasContent("a");
        assertThat(treeB).doesNotExist();
        assertThat(store.blobPath(kept)).exists();
        assertThat(store.blobPath(orphan)).doesNotExist();
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
        assertThat(store.images()).extracting(ImageStore.StoredImage::id).containsExactly(a.id());
        assertThat(store.gc()).isEqualTo(new ImageStore.Collected(0, 0, 0, 0)); // nothing left to collect

        // by id: the whole record goes, and gc takes the rest
        assertThat(store.remove(a.id().hex().substring(0, 12))).containsExactly(a.id().toString());
        assertThat(store.gc().trees()).isEqualTo(1);
        try (Stream<Path> s = Files.list(store.root().resolve("rootfs/sha256"))) {
            assertThat(s).isEmpty();
        }
        assertThatThrownBy(() -> store.remove(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void gcWaitsForAPullOfThisJvm() throws Exception {
        store.unpack(a);
        store.remove(a.source());
        CompletableFuture<ImageStore.Collected> gc;
        try (var _ = store.inUse()) { // a pull in progress
            gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.gc();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> gc.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        }
        assertThat(gc.get(10, TimeUnit.SECONDS).trees()).isEqualTo(1);
    }

    @Test
    void gcWaitsForAnotherJvmHoldingTheStoreInUse() throws Exception {
        store.unpack(a);
        store.remove(a.source());
        // another JVM (a single-file source program) holds gc.lock shared, as its pull would, until its stdin closes
        Path holder = Files.writeString(tmp.resolve("Hold.java"), """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                class Hold {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.READ,
                                StandardOpenOption.WRITE); var l = c.lock(0, Long.MAX_VALUE, true)) {
                            System.out.println("held");
                            System.out.flush();
                            System.in.read();
                        }
                    }
                }
                """);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                holder.toString(), store.root().resolve("gc.lock").toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertThat(new String(other.getInputStream().readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("held");
            CompletableFuture<ImageStore.Collected> gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.gc();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> gc.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            other.getOutputStream().close(); // the other JVM's pull ends
            assertThat(gc.get(20, TimeUnit.SECONDS).trees()).isEqualTo(1);
            assertThat(other.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            other.destroyForcibly();
            other.waitFor();
        }
    }

    @Test
    void aHeldImageKeepsItsTreeAndBlobsThroughRemoveAndGcUntilTheHoldCloses() throws IOException {
        Path tree = store.unpack(a);
        Digest blob = blob("a's config");
        store.recordPull(a.id(), "127.0.0.1:5000/a:1", List.of(blob));
        ImageStore.Hold first = store.hold(a.id());
        ImageStore.Hold second = store.hold(a.id()); // a second container from it, in this JVM
        assertThat(first.tree()).isEqualTo(tree);
        assertThat(store.remove(a.id().toString())).containsExactly(a.id().toString());
        assertThat(store.gc().trees()).isZero();
        assertThat(tree.resolve("a")).hasContent("a");
        assertThat(store.blobPath(blob)).exists();
        first.close();
        first.close(); // twice: harmless, and it does not release the second
        assertThat(store.gc().trees()).isZero();
        assertThat(tree).isDirectory();
        second.close();
        ImageStore.Collected c = store.gc();
        assertThat(c.trees()).isEqualTo(1);
        assertThat(c.blobs()).isEqualTo(1);
        assertThat(tree).doesNotExist();
        assertThat(store.root().resolve("holds")).isEmptyDirectory();
    }

    @Test
    void anImageNotInTheStoreCannotBeHeldAndNothingIsWritten() throws IOException {
        assertThatThrownBy(() -> store.hold(a.id())).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("image " + a.id() + ": not in the store " + store.root());
        assertThat(store.root().resolve("holds")).isEmptyDirectory();
    }

    @Test
    void anotherJvmsHoldKeepsTheTreeFromThisJvmsGcUntilThatJvmIsKilled() throws Exception {
        Path tree = store.unpack(a);
        Process other = OtherJvm.start("hold", store.root().toString(), a.id().toString());
        try {
            java.io.BufferedReader out = other.inputReader(StandardCharsets.UTF_8);
            assertThat(out.readLine()).isEqualTo("held " + tree);
            store.remove(a.source());
            assertThat(store.gc().trees()).isZero();
            assertThat(tree.resolve("a")).hasContent("a");
            other.destroyForcibly(); // SIGKILL: no close, no shutdown hook; its lock goes with its descriptors
            assertThat(other.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(other.exitValue()).isEqualTo(137);
            assertThat(store.gc().trees()).isEqualTo(1);
            assertThat(tree).doesNotExist();
            assertThat(store.root().resolve("holds")).isEmptyDirectory();
        } finally {
            other.destroyForcibly();
            other.waitFor();
        }
    }

    @Test
    void aGcInAnotherJvmKeepsWhatThisJvmHolds() throws Exception {
        Path tree = store.unpack(a);
        try (ImageStore.Hold h = store.hold(a.id())) {
            store.remove(a.source());
            assertThat(otherJvmGc()).isEqualTo("trees=0 blobs=0");
            assertThat(tree.resolve("a")).hasContent("a");
        }
        assertThat(otherJvmGc()).isEqualTo("trees=1 blobs=0");
        assertThat(tree).doesNotExist();
    }

    private String otherJvmGc() throws Exception {
        Process gc = OtherJvm.start("gc", store.root().toString());
        try {
            String out = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(gc.exitValue()).as(out).isZero();
            return out;
        } finally {
            gc.destroyForcibly();
            gc.waitFor();
        }
    }
}
