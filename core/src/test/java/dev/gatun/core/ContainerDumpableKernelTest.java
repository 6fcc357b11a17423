package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.linux.LibC;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The JVM stays dumpable (core dumps, {@code jcmd} attach, {@code /proc/<pid>} owned by its user)
 * after containers that run as another user: the init shares the JVM's memory until it execs, and
 * its {@code setresuid} makes that memory non-dumpable, which the spawner undoes once no child
 * shares it any more — and not before.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerDumpableKernelTest {

    private static final int PR_GET_DUMPABLE = 3;

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void theJvmIsDumpableAgainAfterAContainerThatRanAsAnotherUser() throws Exception {
        Kernel.require(LibC.prctl(PR_GET_DUMPABLE, 0) == 1, "this JVM was started non-dumpable");
        try (Container c = Container.builder().id(Leftovers.id("dumpable")).user(1000, 1000)
                .command("/bin/sh", "-c", "exit 0").build()) {
            assertThat(c.run().waitFor()).isZero();
        }
        assertThat(LibC.prctl(PR_GET_DUMPABLE, 0)).isEqualTo(1);
    }

    @Test
    void theJvmIsNotDumpableWhileACreatedInitUnderAnotherUserSharesItsMemory() throws Exception {
        Kernel.require(LibC.prctl(PR_GET_DUMPABLE, 0) == 1, "this JVM was started non-dumpable");
        try (Container c = Container.builder().id(Leftovers.id("dumpable-created")).user(1000, 1000)
                .stopTimeout(Duration.ofMillis(200)).command("/bin/sleep", "30").build()) {
            c.create();
            // the init (uid 1000) waits before execve in the JVM's memory: a dumpable memory would
            // let any uid-1000 process ptrace it and read the JVM
            assertThat(LibC.prctl(PR_GET_DUMPABLE, 0)).isZero();
            ContainerProcess p = c.start();
            assertThat(LibC.prctl(PR_GET_DUMPABLE, 0)).isEqualTo(1);
            p.destroyForcibly();
            p.waitFor();
        }
        assertThat(LibC.prctl(PR_GET_DUMPABLE, 0)).isEqualTo(1);
    }
}
