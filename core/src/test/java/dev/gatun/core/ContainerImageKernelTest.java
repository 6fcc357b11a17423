package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.images.Image;
import dev.gatun.images.ImageSource;
import dev.gatun.images.ImageStore;
import dev.gatun.images.InvalidImageException;
import dev.gatun.images.Platform;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.LocalRegistry;
import dev.gatun.testing.OciLayoutBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers from an OCI image layout built by the test from busybox: the image's files, its
 * config as the process defaults (command, environment, working directory, user by name), the
 * builder's settings over them, a writable layer of the container's own, and nothing left after
 * close — no state directory, no upper directory, no mount.
 */
@KernelTest
class ContainerImageKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @TempDir
    Path tmp;
    Path layout;
    ImageStore store;
    Image image;

    @BeforeEach
    void image() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Files.writeString(base.resolve("etc/motd"), "removed by the second layer");
        Path app = Files.createDirectories(tmp.resolve("app-layer"));
        Files.createDirectories(app.resolve("app"));
        Files.writeString(app.resolve("app/hello"), "hello from the image\n");
        Files.createDirectories(app.resolve("etc"));
        Files.writeString(app.resolve("etc/.wh.motd"), "");
        Files.writeString(app.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/app:/bin/sh\n");
        Files.writeString(app.resolve("etc/group"), "root:x:0:\napp:x:2345:\n");
        layout = OciLayoutBuilder.create().layer(base).layer(app)
                .entrypoint("/bin/sh", "-c")
                .cmd("echo default; id -u; id -g; pwd; echo $GREETING; cat /app/hello; ls /etc/motd 2>&1 || true")
                .env("PATH=/bin:/usr/bin", "GREETING=from-image")
                .workingDir("/app").user("app").refName("latest").write(tmp.resolve("layout"));
        store = ImageStore.open(tmp.resolve("store"));
        image = ImageSource.ociLayout(layout, null, Platform.current());
    }

    @Test
    void theImagesConfigGivesTheProcessItsDefaults() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("image");
        Ran r = Ran.of(Container.builder().id(id).image(image, store));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("default", "1234", "2345", "/app", "from-image",
                "hello from the image", "ls: /etc/motd: No such file or directory");
        Leftovers.assertNoneOf(id);
        assertThat(mountsUnder(SandboxRoot.stateDirectory())).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theBuildersSettingsOverrideTheImagesAndWritesStayInTheContainer() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path tree = store.unpack(image);
        String id = Leftovers.id("imageover");
        Ran r = Ran.of(Container.builder().id(id).image(image, store).env("GREETING", "from-builder").env("EXTRA", "x")
                .cwd("/tmp").user(0, 0)
                .command("/bin/sh", "-c", "echo $GREETING $EXTRA $PATH; id -u; pwd; echo mine > /app/hello; cat /app/hello"));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("from-builder x /bin:/usr/bin", "0", "/tmp", "mine");
        assertThat(tree.resolve("app/hello")).hasContent("hello from the image");
        Ran again = Ran.of(Container.builder().id(Leftovers.id("imageagain")).image(image, store)
                .command("cat", "/app/hello"));
        assertThat(again.out()).isEqualTo("hello from the image\n");
        Leftovers.assertNoneOf(id);
        assertThat(mountsUnder(SandboxRoot.stateDirectory())).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void asRootTheRootIsAnOverlayWhoseUpperGoesWithTheContainer() throws Exception {
        Kernel.require(Kernel.isRoot(), "an overlay root needs root");
        String id = Leftovers.id("imageovl");
        try (Container c = Container.builder().id(id).image(image, store).user(0, 0).command("/bin/sh", "-c", "echo x > /new; exec sleep 30")
                .build()) {
            c.create();
            Path bundle = SandboxRoot.stateDirectory().resolve(id);
            assertThat(mountsUnder(bundle)).containsExactly(bundle.resolve("rootfs").toString());
            c.start();
            for (int i = 0; i < 100 && !Files.exists(bundle.resolve("upper/new")); i++) {
                Thread.sleep(50);
            }
            assertThat(bundle.resolve("upper/new")).hasContent("x");
        }
        Leftovers.assertNoneOf(id);
        assertThat(mountsUnder(SandboxRoot.stateDirectory())).isEmpty();
    }

    @Test
    void fromImageReadsALayoutIntoTheConfiguredStore() throws Exception {
        try (var _ = DefaultImageStore.at(tmp.resolve("default-store")); Container c = Container.fromImage(layout)) {
            Ran r = Ran.of(c);
            assertThat(r.out()).startsWith("default\n1234\n");
            assertThat(c.spec().process().args()).containsExactly("/bin/sh", "-c",
                    "echo default; id -u; id -g; pwd; echo $GREETING; cat /app/hello; ls /etc/motd 2>&1 || true");
        }
        assertThat(tmp.resolve("default-store/rootfs/sha256")).isNotEmptyDirectory();
    }

    @Test
    void aContainerRunsFromAnImagePulledFromALoopbackRegistry() throws Exception {
        Kernel.require(LocalRegistry.available(), "docker-registry and skopeo are not installed");
        try (var _ = DefaultImageStore.at(tmp.resolve("pulled-store"));
                LocalRegistry registry = LocalRegistry.start(Files.createDirectory(tmp.resolve("registry")))) {
            String reference = registry.push(layout, "latest", "gatun/app:1");
            HostSnapshot before = HostSnapshot.take();
            String id = Leftovers.id("pulled");
            Ran r = Ran.of(Container.builder().id(id).image(reference));
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).startsWith("default\n1234\n2345\n/app\nfrom-image\nhello from the image\n");
            Leftovers.assertNoneOf(id);
            HostSnapshot.take().assertNoLeaksSince(before);
        }
    }

    @Test
    void anImageUserThatIsNotInItsPasswdIsNamedInTheError() throws Exception {
        Path bad = OciLayoutBuilder.create().layer(BusyboxRootfs.create(tmp.resolve("b2"))).user("ghost")
                .write(tmp.resolve("bad"));
        Image ghost = ImageSource.ociLayout(bad, null, Platform.current());
        assertThatThrownBy(() -> Container.builder().image(ghost, store).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image config User \"ghost\"").hasMessageContaining("/etc/passwd");
    }

    @Test
    void aCorruptImageFailsBeforeAnythingIsCreated() throws Exception {
        Path blob = layout.resolve("blobs/sha256").resolve(image.layers().get(1).digest().hex());
        byte[] b = Files.readAllBytes(blob);
        b[b.length - 9] ^= 1;
        Files.write(blob, b);
        assertThatThrownBy(() -> Container.builder().image(image, store)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("layers[1]");
        assertThat(tmp.resolve("store/tmp")).isEmptyDirectory();
    }

    /** The mount points below {@code dir} in this JVM's mount namespace. */
    @Test
    void aRunningContainersImageOutlivesItsRemovalAndAGcInAnotherJvmUntilTheContainerCloses() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path tree = store.unpack(image);
        String id = Leftovers.id("imageheld");
        try (Container c = Container.builder().id(id).image(image, store).stopTimeout(java.time.Duration.ofMillis(200))
                .command("/bin/sh", "-c", "echo ready; exec sleep 600").build()) {
            java.io.BufferedReader out = c.run().inputReader(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(out.readLine()).isEqualTo("ready");
            assertThat(store.remove(image.source())).containsExactly(image.id().toString());
            assertThat(OtherJvmGc.run(store.root())).isEqualTo("trees=0 blobs=0");
            assertThat(tree.resolve("app/hello")).hasContent("hello from the image\n");
            ContainerProcess cat = c.exec("/bin/cat", "/app/hello");
            assertThat(new String(cat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("hello from the image\n");
            assertThat(cat.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(cat.exitValue()).isZero();
        }
        assertThat(OtherJvmGc.run(store.root())).isEqualTo("trees=1 blobs=0");
        assertThat(tree).doesNotExist();
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    private static java.util.List<String> mountsUnder(Path dir) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(dir + "/")).toList();
    }
}
