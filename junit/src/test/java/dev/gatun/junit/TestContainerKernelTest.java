package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.OciLayoutBuilder;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roots a {@link TestContainer} runs on (an image, a rootfs directory, the sandbox root), the
 * files it copies in, its output to a consumer, and its published ports when there are more
 * containers than CPUs.
 */
@KernelTest(root = false, requires = Kernel.Feature.USER_NAMESPACES)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TestContainerKernelTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void busybox() {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "needs a static busybox (Debian package busybox-static)");
    }

    @Test
    void anImageContainerRunsTheImagesCommandWithItsEnvironmentAndWorkingDirectory() throws Exception {
        Path app = Files.createDirectories(tmp.resolve("app-layer/app"));
        Files.writeString(app.resolve("hello"), "hello from the image\n");
        Path layout = OciLayoutBuilder.create().layer(BusyboxRootfs.create(tmp.resolve("base")))
                .layer(tmp.resolve("app-layer"))
                .entrypoint("/bin/sh", "-c").cmd("echo $GREETING; pwd; cat hello; echo done")
                .env("PATH=/bin", "GREETING=from-the-image-config").workingDir("/app").write(tmp.resolve("layout"));
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestContainer c = TestContainer.image(layout).imageStore(tmp.resolve("store")).logConsumer(seen::add)
                .waitingFor(Wait.forLogMessage("done", 1).withStartupTimeout(java.time.Duration.ofSeconds(30)))) {
            c.start();
            assertThat(c.logs()).isEqualTo("from-the-image-config\n/app\nhello from the image\ndone\n");
            assertThat(seen).containsExactly("from-the-image-config", "/app", "hello from the image", "done");
        }
    }

    @Test
    void anImageContainersCommandReplacesTheImages() throws Exception {
        Path layout = OciLayoutBuilder.create().layer(BusyboxRootfs.create(tmp.resolve("base")))
                .cmd("/bin/sh", "-c", "echo the image's command").write(tmp.resolve("layout"));
        try (TestContainer c = TestContainer.image(layout).imageStore(tmp.resolve("store"))
                .command("/bin/sh", "-c", "echo mine; ls /bin/busybox")
                .waitingFor(Wait.forLogMessage("/bin/busybox", 1))) {
            c.start();
            assertThat(c.logs()).isEqualTo("mine\n/bin/busybox\n");
        }
    }

    @Test
    void aRootfsContainerSeesTheDirectoryAndAFileCopiedIntoIt() throws Exception {
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Files.writeString(rootfs.resolve("marker"), "in the directory\n");
        Path conf = Files.writeString(tmp.resolve("app.conf"), "answer=42\n");
        TestContainer c = TestContainer.rootfs(rootfs).withFile(conf, "/etc/app.conf")
                .command("/bin/sh", "-c", "cat /etc/app.conf /marker; (echo > /etc/app.conf) 2>/dev/null || echo read-only")
                .waitingFor(Wait.forLogMessage("read-only", 1));
        try (c) {
            c.start();
            assertThat(c.logs()).isEqualTo("answer=42\nin the directory\nread-only\n");
        }
        assertThat(conf).hasContent("answer=42");
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.map(p -> p.getFileName().toString())).as("the copies are removed at stop")
                    .noneMatch(n -> n.startsWith("gatun-junit-" + c.id() + "-"));
        }
    }

    /**
     * Each line goes to the SLF4J logger {@code dev.gatun.junit.container.<id>} at INFO (enabled
     * for that prefix in this module's test simplelogger.properties; slf4j-simple writes to
     * whatever {@code System.err} is at the time).
     */
    @Test
    void eachLineGoesToTheContainersSlf4jLogger() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        TestContainer c = TestContainer.sandbox().command("/bin/sh", "-c", "echo first line; echo second line")
                .waitingFor(Wait.forLogMessage("second line", 1));
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try (c) {
            c.start();
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("dev.gatun.junit.container."))
                .toList()).containsExactly("[gatun-junit-logs-" + c.id() + "] INFO dev.gatun.junit.container." + c.id() + " - first line",
                        "[gatun-junit-logs-" + c.id() + "] INFO dev.gatun.junit.container." + c.id() + " - second line");
    }

    @Test
    void aContainerWithNoCommandOnASandboxRootIsRefusedNamingIt() {
        TestContainer c = TestContainer.sandbox();
        assertThatThrownBy(c::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("start: container " + c.id() + " has no command");
        assertThatThrownBy(() -> TestContainer.sandbox().imageStore(tmp)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no image");
    }

    /**
     * More containers than CPUs, each with a published port and its output pumped: every port
     * answers. The output pump blocks in read(2) through FFM; on a virtual thread it pinned a
     * carrier, and with as many pumps as carriers no virtual thread of the JVM ran, the publish
     * forwarder's included: connections were accepted and never answered.
     */
    @Test
    void publishedPortsAnswerWithMoreContainersThanCpus() throws Exception {
        int n = Runtime.getRuntime().availableProcessors() + 1;
        List<TestContainer> started = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                TestContainer c = TestContainer.sandbox()
                        .command("/bin/sh", "-c", "echo ready; exec /bin/busybox nc -ll -p 7 -e /bin/cat")
                        .withExposedPort(7).waitingFor(Wait.forLogMessage("ready", 1));
                started.add(c);
                c.start();
            }
            for (TestContainer c : started) {
                try (Socket s = new Socket(c.host(), c.mappedPort(7))) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write((c.id() + "\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(new String(s.getInputStream().readNBytes(c.id().length() + 1), StandardCharsets.US_ASCII))
                            .isEqualTo(c.id() + "\n");
                }
            }
        } finally {
            for (TestContainer c : started) {
                c.stop();
            }
        }
    }
}
