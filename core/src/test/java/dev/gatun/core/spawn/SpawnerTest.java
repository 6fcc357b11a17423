package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.linux.Structs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The spawn engine against the real kernel, as root. */
@KernelTest
class SpawnerTest {

    static final long NEWNS = 0x20000L, NEWCGROUP = 0x02000000L, NEWUTS = 0x04000000L, NEWIPC = 0x08000000L,
            NEWUSER = 0x10000000L, NEWPID = 0x20000000L, NEWNET = 0x40000000L;
    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");

    static Program.Builder busybox(Program.Builder b, String script) {
        return b.closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sh", "-c", script), ENV);
    }

    @BeforeAll
    static void warmUp() throws Exception {
        // the spawner thread, the reaper's epoll fd and thread exist from the first spawn on
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
    }

    @Test
    void binTrueExitsZeroAndIsReaped() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        SpawnedProcess p = Spawner.get().spawn(Program.builder().unblockSignals()
                .execve("/bin/true", List.of("true"), ENV).build(), SpawnOptions.defaults());
        assertThat(p.pid()).isPositive();
        assertThat(p.waitFor(Duration.ofSeconds(10))).contains(new ExitStatus(0, 0, false));
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void exitCodeAndSignalAreDecoded() throws Exception {
        SpawnedProcess exits = Spawner.get().spawn(busybox(Program.builder(), "exit 42").build(), SpawnOptions.defaults());
        assertThat(exits.waitFor()).isEqualTo(new ExitStatus(42, 0, false));
        SpawnedProcess sleeps = Spawner.get().spawn(busybox(Program.builder(), "sleep 30").build(), SpawnOptions.defaults());
        assertThat(sleeps.signal(15)).isTrue();
        ExitStatus status = sleeps.waitFor();
        assertThat(status.signal()).isEqualTo(15);
        assertThat(status.exitValue()).isEqualTo(143);
        assertThat(sleeps.signal(15)).as("signal after reaping").isFalse();
    }

    @Test
    void childInNewNamespacesSeesPidOneItsHostnameAndTheMapsTheParentWrote() throws Exception {
        try (ChildOutput out = new ChildOutput()) {
            Program program = busybox(out.redirect(Program.builder())
                    .awaitParent()
                    .setresgid(0)
                    .setresuid(0)
                    .sethostname("box"),
                    "echo pid=$$; hostname; id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/cgroup")
                    .build();
            SpawnOptions options = SpawnOptions.defaults()
                    .namespaces(NEWPID | NEWNS | NEWUTS | NEWIPC | NEWNET | NEWCGROUP | NEWUSER);
            try (Handshake h = Spawner.get().start(program, options)) {
                long pid = h.process().pid();
                Files.writeString(Path.of("/proc/" + pid + "/uid_map"), "0 100000 65536");
                Files.writeString(Path.of("/proc/" + pid + "/gid_map"), "0 200000 65536");
                h.release();
                SpawnedProcess p = h.awaitExec();
                String text = out.readAll();
                assertThat(p.waitFor()).as(text).isEqualTo(new ExitStatus(0, 0, false));
                List<String> lines = text.lines().map(String::strip).toList();
                assertThat(lines).startsWith("pid=1", "box", "0");
                assertThat(lines.get(3).split("\\s+")).containsExactly("0", "100000", "65536");
                assertThat(lines.get(4).split("\\s+")).containsExactly("0", "200000", "65536");
                assertThat(lines).contains("0::/");
            }
        }
    }

    @Test
    void aFailingStepIsReportedWithIndexErrnoAndTheCallAndTheChildIsReaped() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Program program = Program.builder()
                .sethostname("ignored")
                .mount("/nonexistent/source", "/tmp", null, 4096 | 16384, null)
                .execve("/bin/true", List.of("true"), ENV)
                .build();
        assertThatThrownBy(() -> Spawner.get().spawn(program, SpawnOptions.defaults().namespaces(NEWNS | NEWUTS)))
                .isInstanceOfSatisfying(StepFailedException.class, e -> {
                    assertThat(e.stepIndex()).isEqualTo(1);
                    assertThat(e.stepCount()).isEqualTo(3);
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).isEqualTo("mount(\"/nonexistent/source\", \"/tmp\", NULL, MS_BIND|MS_REC, NULL): "
                            + "No such file or directory (ENOENT) (step 1 of 3)");
                });
        assertNoChildren();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aHandshakeReadThatSeesEofFailsItsExpectation() throws Exception {
        // the parent closes without releasing: the child must not run on as if released
        Program program = Program.builder().awaitParent().execve("/bin/true", List.of("true"), ENV).build();
        Handshake h = Spawner.get().start(program, SpawnOptions.defaults());
        h.close();
        assertThat(h.process().onExit().get().signal()).isEqualTo(9);
    }

    @Test
    void aSignalToAWaitingChildKillsOnlyTheChildAndNoJvmHandlerRunsInIt() throws Exception {
        // SIGQUIT: had the child kept the JVM's handler, the handler would run on the shared
        // memory and the parent JVM would print a thread dump (FINDINGS, pitfall 1)
        ForkedJvm.Result result = ForkedJvm.run(SignalProbe.class, List.of(), 60);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("child killed by SIGQUIT", "jvm alive").doesNotContain("Full thread dump");
    }

    @Test
    void aWaitingChildWithSignalsBlockedStillDiesOfSigkill() throws Exception {
        Program program = Program.builder().awaitParent().execve("/bin/true", List.of("true"), ENV).build();
        try (Handshake h = Spawner.get().start(program, SpawnOptions.defaults())) {
            h.process().signal(15); // blocked since the clone: stays pending
            assertThat(h.process().waitFor(Duration.ofMillis(300))).isEmpty();
            h.process().kill();
            assertThat(h.process().waitFor().signal()).isEqualTo(9);
            // no failure record: awaitExec cannot tell a kill before exec from a death after it
            assertThat(h.awaitExec().onExit().get().signal()).isEqualTo(9);
        }
    }

    @Test
    void theParentTakesAnFdTheWaitingChildOpenedAndOnlyWhileItWaits(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path file = Files.writeString(tmp.resolve("opened-by-the-child"), "x");
        Slot opened = Slot.named("opened");
        Program program = Program.builder()
                .openat(opened, LibC.AT_FDCWD, file.toString(), LibC.O_RDONLY | 02000000, 0)
                .notifyParent().awaitParent().exitGroup(0).build();
        HostSnapshot before = HostSnapshot.take();
        try (Handshake h = Spawner.get().start(program, SpawnOptions.defaults())) {
            h.awaitStage();
            int fd = h.takeFd(opened);
            try {
                assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd))).isEqualTo(file);
            } finally {
                LibC.close(fd);
            }
            h.release();
            assertThat(h.awaitExec().waitFor().code()).isZero();
            assertThatThrownBy(() -> h.takeFd(opened)).isInstanceOf(IllegalStateException.class);
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theChildHoldsOnlyTheFdsItWasGiven() throws Exception {
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess p = Spawner.get().spawn(busybox(out.redirect(Program.builder()),
                    "ls /proc/self/fd").build(), SpawnOptions.defaults());
            String text = out.readAll();
            assertThat(p.waitFor().code()).isZero();
            // 0-2 as given, 3 is ls's own directory fd
            assertThat(text.split("\\s+")).containsExactly("0", "1", "2", "3");
        }
    }

    @Test
    void aThousandSpawnsLeakNoFdAndNoChild() throws Exception {
        Program program = Program.builder().unblockSignals().execve("/bin/true", List.of("true"), ENV).build();
        Spawner.get().spawn(program, SpawnOptions.defaults()).waitFor(); // warm: reaper thread, epoll fd
        long fdsBefore = fdCount();
        int watchedBefore = Reaper.get().watchedCount(); // the sentinel, once a container has run in this JVM
        HostSnapshot before = HostSnapshot.take();
        for (int i = 0; i < 1000; i++) {
            assertThat(Spawner.get().spawn(program, SpawnOptions.defaults()).waitFor().code()).isZero();
        }
        assertThat(fdCount()).isEqualTo(fdsBefore);
        assertThat(Reaper.get().watchedCount()).isEqualTo(watchedBefore);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theParentDeathSignalFollowsTheJvmNotTheCallingThread() throws Exception {
        // spawned from a thread that then ends: the child lives on, because the spawner thread,
        // not the caller, is its parent thread
        Program sleep = Program.builder().parentDeathSignal(9).closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sleep", "60"), ENV).build();
        SpawnedProcess[] child = new SpawnedProcess[1];
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                child[0] = Spawner.get().spawn(sleep, SpawnOptions.defaults());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        caller.join();
        try {
            assertThat(child[0].waitFor(Duration.ofMillis(500))).as("alive after its caller thread ended").isEmpty();
        } finally {
            child[0].kill();
        }
        assertThat(child[0].waitFor().signal()).isEqualTo(9);

        // and when the JVM dies, the child dies with it
        ForkedJvm.Result result = ForkedJvm.run(DeathSignalProbe.class, List.of(), 60);
        String pid = result.output().lines().filter(l -> l.startsWith("pid ")).findFirst().orElseThrow().substring(4);
        Path proc = Path.of("/proc", pid);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (isSleeping(proc) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(isSleeping(proc)).as("sleep %s outlived the JVM that spawned it", pid).isFalse();
    }

    @Test
    void whatShutdownHooksKillIsStillReapedOnceTheReaperLeftTheKernelForTheExit() throws Exception {
        ForkedJvm.Result result = ForkedJvm.run(ShutdownReapProbe.class, List.of(), 60);
        assertThat(result.output()).contains("polling true").contains("reaped killed by SIGKILL");
        assertThat(result.exitCode()).isZero();
    }

    private static boolean isSleeping(Path proc) {
        try {
            return Files.readString(proc.resolve("cmdline")).startsWith("sleep");
        } catch (IOException e) {
            return false; // gone
        }
    }

    static long fdCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /**
     * No child is left unreaped, and none lives but the JVM's sentinel (Gatun's one resident child,
     * there once a container has run in this JVM; HostSnapshot leaves it out the same way).
     */
    static void assertNoChildren() throws IOException {
        assertThat(HostSnapshot.take().children()).isEmpty();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Structs.SIGINFO_SIZE, 8);
            try {
                // WNOWAIT: look without reaping anything the JDK may own
                LibC.waitid(LibC.P_ALL, 0, info, LibC.WEXITED | LibC.WNOHANG | 0x1000000);
                // a live child (the sentinel) and no zombie: si_pid stays 0
                assertThat(info.get(java.lang.foreign.ValueLayout.JAVA_INT, 16)).as("an unreaped child's pid").isZero();
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.ECHILD);
            }
        }
    }
}
