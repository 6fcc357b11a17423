package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.LibC;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thread's visit to another PID namespace, on a thread of the test's own (never the spawner's):
 * only {@code pid_for_children} changes, the way back restores it, and a way back that fails is
 * reported as the thread being stuck.
 */
@KernelTest
@Timeout(30)
class PidNamespaceVisitKernelTest {

    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private SpawnedProcess init;
    private int target = -1;

    @BeforeEach
    void aChildInANewPidNamespace() throws Exception {
        init = Spawner.get().spawn(Program.builder().unblockSignals()
                .execve("/bin/sleep", List.of("sleep", "30"), List.of()).build(),
                SpawnOptions.defaults().namespaces(SpawnOptions.CLONE_NEWPID));
        target = LibC.openat(LibC.AT_FDCWD, "/proc/" + init.pid() + "/ns/pid", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
    }

    @AfterEach
    void cleanUp() throws Exception {
        thread.shutdownNow();
        LibC.close(target);
        init.kill();
        init.waitFor();
    }

    private <T> T onThread(Callable<T> task) throws Exception {
        return thread.submit(task).get();
    }

    private static String link(String path) throws Exception {
        return Files.readSymbolicLink(Path.of(path)).toString();
    }

    @Test
    void aVisitChangesOnlyTheThreadsPidForChildrenAndLeavingRestoresIt() throws Exception {
        String own = link("/proc/self/ns/pid");
        String joined = link("/proc/" + init.pid() + "/ns/pid");
        List<String> seen = onThread(() -> {
            PidNamespaceVisit visit = PidNamespaceVisit.enter(target);
            String during = link("/proc/thread-self/ns/pid_for_children");
            String active = link("/proc/thread-self/ns/pid");
            String mainThread = link("/proc/self/task/" + ProcessHandle.current().pid() + "/ns/pid_for_children");
            visit.leave();
            visit.leave(); // idempotent
            return List.of(during, active, mainThread, link("/proc/thread-self/ns/pid_for_children"));
        });
        assertThat(seen).containsExactly(joined, own, own, own);
    }

    @Test
    void aFailedWayBackSaysTheThreadIsStuckAndWhere() throws Exception {
        String joined = link("/proc/" + init.pid() + "/ns/pid");
        List<Object> seen = onThread(() -> {
            PidNamespaceVisit visit = PidNamespaceVisit.enter(target);
            // the way back now names a file, not a namespace: setns fails with EINVAL
            int hostname = LibC.openat(LibC.AT_FDCWD, "/etc/hostname", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
            LibC.dup3(hostname, visit.ownFd(), LibC.O_CLOEXEC);
            LibC.close(hostname);
            Throwable failure = null;
            try {
                visit.leave();
            } catch (PidNamespaceVisit.Stuck e) {
                failure = e;
            }
            return List.of(String.valueOf(failure), link("/proc/thread-self/ns/pid_for_children"));
        });
        // this thread is stuck (and is thrown away with the executor); the spawner would refuse from now on
        assertThat(seen.get(1)).isEqualTo(joined);
        assertThat((String) seen.get(0)).contains("the spawner thread could not return from the PID namespace")
                .contains(joined).contains("/etc/hostname").contains("refuses to spawn from now on");
    }

    @Test
    void enteringWhatIsNotAPidNamespaceChangesNothingAndClosesWhatItOpened() throws Exception {
        int notANamespace = LibC.openat(LibC.AT_FDCWD, "/etc/hostname", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        try {
            long fdsBefore = onThread(PidNamespaceVisitKernelTest::openFds);
            assertThatThrownBy(() -> onThread(() -> PidNamespaceVisit.enter(notANamespace)))
                    .hasCauseInstanceOf(ErrnoException.class)
                    .hasMessageContaining("is not a PID namespace");
            assertThat(onThread(PidNamespaceVisitKernelTest::openFds)).isEqualTo(fdsBefore);
            assertThat(onThread(() -> link("/proc/thread-self/ns/pid_for_children"))).isEqualTo(link("/proc/self/ns/pid"));
        } finally {
            LibC.close(notANamespace);
        }
    }

    private static long openFds() throws Exception {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        }
    }
}
