package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.OciLayoutBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TestContainer#execInContainer} and the wait strategies built on it: a command that
 * succeeds, and the image's healthcheck.
 */
@KernelTest(root = false, requires = Kernel.Feature.USER_NAMESPACES)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExecKernelTest {

    @TempDir
    Path tmp;

    @Test
    void execInContainerReturnsTheExitCodeAndBothStreams() throws Exception {
        try (TestContainer c = TestContainer.sandbox().command("/bin/sh", "-c", "echo up; exec sleep 60")) {
            c.start();
            TestContainer.ExecResult r = c.execInContainer("/bin/sh", "-c", "echo out; echo err >&2; cat; exit 3");
            assertThat(r).isEqualTo(new TestContainer.ExecResult(3, "out\n", "err\n"));
            assertThatThrownBy(() -> c.execInContainer("no-such-command"))
                    .hasMessageContaining("no-such-command: not found in the container on PATH");
        }
    }

    @Test
    void aCommandWaitReturnsOnceTheCommandSucceedsInside() throws Exception {
        try (TestContainer c = TestContainer.sandbox()
                .command("/bin/sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 60")
                .waitingFor(Wait.forSuccessfulCommand("test", "-f", "/tmp/ready"))) {
            long t = System.nanoTime();
            c.start();
            assertThat(System.nanoTime() - t).as("it waited for the file").isGreaterThan(TimeUnit.MILLISECONDS.toNanos(900));
            assertThat(c.execInContainer("test", "-f", "/tmp/ready").exitCode()).isZero();
        }
        TestContainer never = TestContainer.sandbox().command("/bin/sh", "-c", "echo waiting; exec sleep 60")
                .waitingFor(Wait.forSuccessfulCommand("/bin/sh", "-c", "echo not yet; exit 4")
                        .withStartupTimeout(Duration.ofSeconds(1)));
        assertThatThrownBy(never::start).isInstanceOf(WaitTimeoutException.class)
                .hasMessageContaining("the command [/bin/sh, -c, echo not yet; exit 4] to exit 0 inside the container")
                .hasMessageContaining("exit 4: not yet").hasMessageContaining("waiting");
        assertThat(never.isRunning()).isFalse();
    }

    @Test
    void aHealthcheckWaitRunsTheImagesTestAtItsInterval() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "needs a static busybox (Debian package busybox-static)");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Path healthy = OciLayoutBuilder.create().layer(base)
                .healthcheck(Duration.ofMillis(200), "CMD-SHELL", "test -f /tmp/healthy")
                .cmd("/bin/sh", "-c", "sleep 1; touch /tmp/healthy; exec sleep 60").write(tmp.resolve("healthy"));
        try (TestContainer c = TestContainer.image(healthy).imageStore(tmp.resolve("store"))
                .waitingFor(Wait.forHealthcheck())) {
            long t = System.nanoTime();
            c.start();
            assertThat(System.nanoTime() - t).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(900));
            assertThat(c.execInContainer("test", "-f", "/tmp/healthy").exitCode()).isZero();
        }
        Path none = OciLayoutBuilder.create().layer(base).healthcheck(Duration.ofSeconds(1), "NONE")
                .cmd("/bin/sleep", "60").write(tmp.resolve("none"));
        TestContainer unchecked = TestContainer.image(none).imageStore(tmp.resolve("store"))
                .waitingFor(Wait.forHealthcheck());
        assertThatThrownBy(unchecked::start).isInstanceOf(WaitTimeoutException.class)
                .hasMessageContaining("the image's healthcheck test [NONE] runs nothing");
        TestContainer sandbox = TestContainer.sandbox().command("/bin/sleep", "60").waitingFor(Wait.forHealthcheck());
        assertThatThrownBy(sandbox::start).hasMessageContaining("not started from an image with a healthcheck");
    }
}
