package dev.gatun.core.spawn;

import static dev.gatun.core.spawn.SpawnerTest.ENV;
import static dev.gatun.core.spawn.SpawnerTest.busybox;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.LibC;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The legacy-clone fallback, the fork step and CLONE_INTO_CGROUP, against the real kernel. */
@KernelTest
class SpawnVariantsTest {

    @BeforeAll
    static void warmUp() throws Exception {
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
    }

    @Test
    void legacyCloneRunsTheSameNamespacedHandshakeAndLeavesOnlyTheGivenFds() throws Exception {
        try (ChildOutput out = new ChildOutput()) {
            Program program = busybox(out.redirect(Program.builder()).awaitParent().sethostname("legacy"),
                    "echo pid=$$; hostname; ls /proc/self/fd").build();
            SpawnOptions options = SpawnOptions.defaults().legacyClone(true)
                    .namespaces(SpawnerTest.NEWPID | SpawnerTest.NEWUTS | SpawnerTest.NEWNS);
            try (Handshake h = Spawner.get().start(program, options)) {
                h.release();
                SpawnedProcess p = h.awaitExec();
                String text = out.readAll();
                assertThat(p.waitFor().code()).as(text).isZero();
                assertThat(text.split("\\s+")).containsExactly("pid=1", "legacy", "0", "1", "2", "3");
            }
        }
    }

    @ParameterizedTest(name = "legacy clone: {0}")
    @ValueSource(booleans = {false, true})
    void aChildThatOwnsItsFdTableHoldsOnlyItsFdsAndStillReportsAFailedStep(boolean legacy) throws Exception {
        SpawnOptions options = SpawnOptions.defaults().legacyClone(legacy);
        Program failing = Program.builder().ownFdTable().chdir("/nonexistent").build();
        try (Handshake h = Spawner.get().start(failing, options)) {
            // reported on the moved error pipe (fd 3), after the JVM's number was closed
            assertThatThrownBy(h::awaitExec).isInstanceOf(StepFailedException.class)
                    .hasMessageContaining("chdir(\"/nonexistent\")").hasMessageContaining("ENOENT");
        }
        try (ChildOutput out = new ChildOutput()) {
            Program program = Program.builder().stdio(1, out.writeEnd).stdio(2, out.writeEnd)
                    .notifyParent().awaitParent().unblockSignals()
                    .execve("/bin/busybox", List.of("sh", "-c", "echo ran"), ENV).build();
            try (Handshake h = Spawner.get().start(program, options)) {
                h.awaitStage();
                // 0 is the JVM's (not given); 1, 2 the pipe; 3, 4, 5 the error, release and stage pipes
                try (var fds = Files.list(Path.of("/proc/" + h.process().pid() + "/fd"))) {
                    assertThat(fds.map(f -> Integer.parseInt(f.getFileName().toString())).sorted())
                            .containsExactly(0, 1, 2, 3, 4, 5);
                }
                h.release();
                SpawnedProcess p = h.awaitExec();
                assertThat(out.readAll()).isEqualTo("ran\n");
                assertThat(p.waitFor().code()).isZero();
            }
        }
    }

    @Test
    void legacyCloneResetsTheJvmsSignalHandlersInTheChild() throws Exception {
        ForkedJvm.Result result = ForkedJvm.run(SignalProbe.class, List.of(), 60, "legacy");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("child killed by SIGQUIT", "jvm alive").doesNotContain("Full thread dump");
    }

    @Test
    void afterTheForkStepTheNewTaskIsTheJvmsChildAndIsTheSpawnedProcess() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess p = Spawner.get().spawn(busybox(out.redirect(Program.builder()).fork(),
                    "echo $$ $PPID").build(), SpawnOptions.defaults());
            String[] ids = out.readAll().strip().split(" ");
            assertThat(p.waitFor().code()).isZero();
            assertThat(Long.parseLong(ids[0])).isEqualTo(p.pid());
            assertThat(Long.parseLong(ids[1])).isEqualTo(ProcessHandle.current().pid());
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aStepFailingAfterTheForkIsReportedAndBothTasksAreReaped() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Program program = Program.builder().fork().chdir("/nonexistent").execve("/bin/true", List.of("true"), ENV).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Spawner.get().spawn(program, SpawnOptions.defaults()))
                .isInstanceOf(StepFailedException.class)
                .hasMessage("chdir(\"/nonexistent\"): No such file or directory (ENOENT) (step 1 of 3)");
        SpawnerTest.assertNoChildren();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @ParameterizedTest(name = "legacy clone: {0}")
    @ValueSource(booleans = {false, true})
    void theChildStartsInTheCgroupWhoseFdWasGiven(boolean legacy) throws Exception {
        Path mount = Kernel.cgroup2Mount().orElse(null);
        Kernel.require(mount != null, "no cgroup2 mount");
        String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().orElseThrow().substring(3);
        String name = "gatun-spawn-test-" + ProcessHandle.current().pid() + (legacy ? "-legacy" : "");
        Path dir = mount.resolve(own.substring(1)).resolve(name);
        Files.createDirectory(dir);
        try {
            int fd = LibC.openat(LibC.AT_FDCWD, dir.toString(), LibC.O_DIRECTORY | LibC.O_CLOEXEC | LibC.O_RDONLY, 0);
            try (ChildOutput out = new ChildOutput()) {
                SpawnedProcess p = Spawner.get().spawn(busybox(out.redirect(Program.builder()), "cat /proc/self/cgroup")
                        .build(), SpawnOptions.defaults().cgroupFd(fd).legacyClone(legacy));
                String text = out.readAll();
                assertThat(p.waitFor().code()).as(text).isZero();
                String expected = "0::" + (own.equals("/") ? "" : own) + "/" + name;
                assertThat(text.lines()).contains(expected);
            } finally {
                LibC.close(fd);
            }
        } finally {
            Files.delete(dir);
        }
    }
}
