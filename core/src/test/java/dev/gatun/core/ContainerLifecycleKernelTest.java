package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.oci.Hook;
import dev.gatun.oci.Hooks;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import dev.gatun.oci.State;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle and the {@link Process} face of a container: create then start, signals,
 * waiting, the OCI state, stats, stdio as {@link ProcessBuilder} has it, the plan, and a bundle
 * read from config.json.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerLifecycleKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final Duration QUICK_STOP = Duration.ofMillis(200);

    @TempDir
    Path tmp;

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void createLeavesTheInitWaitingBeforeExecUntilStart() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path data = Files.createDirectory(tmp.resolve("data"));
        String id = Leftovers.id("create");
        try (Container c = Container.builder().id(id).bind(data, "/data", false)
                .command("/bin/sh", "-c", "touch /data/ran").build()) {
            assertThat(c.state().status()).isEqualTo("creating");
            c.create();
            assertThat(c.status()).isEqualTo(ContainerStatus.CREATED);
            State created = c.state();
            assertThat(created.status()).isEqualTo("created");
            assertThat(created.id()).isEqualTo(id);
            assertThat(created.pid()).isNotNull();
            assertThat(ProcessHandle.of(created.pid()).map(ProcessHandle::isAlive)).contains(true);
            assertThat(Leftovers.cgroupDirectories(id)).isNotEmpty();
            Thread.sleep(300);
            assertThat(data.resolve("ran")).as("the command ran before start").doesNotExist();

            ContainerProcess p = c.start();
            assertThat(p.pid()).isEqualTo(created.pid().longValue());
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(data.resolve("ran")).exists();
            assertThat(c.status()).isEqualTo(ContainerStatus.STOPPED);
            assertThat(c.state().status()).isEqualTo("stopped");
            assertThat(c.state().pid()).isNull();
            assertThatThrownBy(c::start).isInstanceOf(ContainerStateException.class);
            c.delete();
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            Leftovers.assertNoneOf(id);
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aContainerIsStoppedAndDeletableAsSoonAsWaitForReturns() throws Exception {
        // the status must not lag behind the process: waitFor() then delete() is the natural use
        for (int i = 0; i < 100; i++) {
            String id = Leftovers.id("waitdelete");
            try (Container c = Container.builder().id(id).command("/bin/true").build()) {
                ContainerProcess p = c.run();
                assertThat(p.waitFor()).isZero();
                assertThat(c.status()).isEqualTo(ContainerStatus.STOPPED);
                assertThat(c.state().status()).isEqualTo("stopped");
                c.delete();
            }
            Leftovers.assertNoneOf(id);
        }
    }

    @Test
    void closingACreatedContainerKillsTheWaitingInitAndRemovesEverything() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("closecreated");
        long pid;
        try (Container c = Container.builder().id(id).command("/bin/true").build()) {
            c.create();
            pid = c.state().pid();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aStateGuardRefusesWhatTheStatusDoesNotAllow() throws Exception {
        String id = Leftovers.id("guards");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).command("/bin/sleep", "30").build()) {
            assertThatThrownBy(c::start).isInstanceOf(ContainerStateException.class).hasMessageContaining("start");
            assertThatThrownBy(() -> c.kill(9)).isInstanceOf(ContainerStateException.class);
            c.create();
            assertThatThrownBy(c::create).isInstanceOf(ContainerStateException.class).hasMessageContaining("create");
            assertThatThrownBy(c::delete).isInstanceOf(ContainerStateException.class).hasMessageContaining("delete");
            c.start();
            assertThat(c.status()).isEqualTo(ContainerStatus.RUNNING);
            assertThat(c.state().status()).isEqualTo("running");
            assertThatThrownBy(c::delete).isInstanceOf(ContainerStateException.class);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void killDeliversTheSignalToTheInit() throws Exception {
        String id = Leftovers.id("kill");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "trap 'echo got USR1; exit 3' USR1; echo ready; while :; do sleep 0.1; done")
                .build()) {
            ContainerProcess p = c.run();
            BufferedReader out = Ran.lines(p);
            assertThat(Ran.readLine(out)).isEqualTo("ready");
            c.kill(10);
            assertThat(Ran.readLine(out)).isEqualTo("got USR1");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(3);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void destroySendsSigtermWhichAnInitWithoutAHandlerIgnoresAndDestroyForciblyKillsWith137() throws Exception {
        String id = Leftovers.id("destroy");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done")
                .build()) {
            ContainerProcess p = c.run();
            BufferedReader out = Ran.lines(p);
            assertThat(Ran.readLine(out)).isEqualTo("ready");
            p.destroy();
            assertThat(Ran.readLine(out)).isEqualTo("got TERM");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        // PID 1 of a namespace gets only the signals it has a handler for (SIGKILL aside), even
        // from the host: SIGTERM leaves a plain sleep running, as `docker stop` sees before it kills
        String plain = Leftovers.id("destroyplain");
        try (Container c = Container.builder().id(plain).stopTimeout(QUICK_STOP).command("/bin/sleep", "30").build()) {
            ContainerProcess p = c.run();
            p.destroy();
            assertThat(p.waitFor(500, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(p.isAlive()).isTrue();
            assertThat(p.destroyForcibly()).isSameAs(p);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(137);
            assertThat(p.exitDescription()).contains("SIGKILL");
        }
        Leftovers.assertNoneOf(plain);
    }

    @Test
    void aProcessInsideTheContainerKilledBySigtermExitsWith143() throws Exception {
        // not the init: an ordinary process of the container dies of SIGTERM, as on the host
        Ran r = Ran.of(Container.builder().id(Leftovers.id("term143"))
                .command("/bin/sh", "-c", "sleep 30 & kill -TERM $!; wait $!; echo status=$?"));
        assertThat(r.out().lines().toList().getLast()).isEqualTo("status=143");
    }

    @Test
    void waitForWithATimeoutAndOnExitBehaveAsForAnyProcess() throws Exception {
        String id = Leftovers.id("wait");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "read line; exit 7").build()) {
            ContainerProcess p = c.run();
            ProcessHandle handle = p.toHandle();
            assertThat(handle.pid()).isEqualTo(p.pid());
            assertThat(p.info().command()).isPresent();
            var exit = p.onExit();
            assertThat(p.waitFor(200, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(exit).isNotDone();
            assertThatThrownBy(p::exitValue).isInstanceOf(IllegalThreadStateException.class);
            p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isSameAs(p);
            assertThat(p.exitValue()).isEqualTo(7);
            assertThat(p.waitFor()).isEqualTo(7);
            // as for a Process of the JDK, the handle outlives the process
            assertThat(p.toHandle()).isEqualTo(handle);
            assertThat(p.toHandle().isAlive()).isFalse();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void statsReportTheContainersMemoryUsage() throws Exception {
        String id = Leftovers.id("stats");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            assertThatThrownBy(c::stats).isInstanceOf(ContainerStateException.class);
            ContainerProcess p = c.run();
            assertThat(Ran.readLine(Ran.lines(p))).isEqualTo("ready");
            var stats = c.stats();
            assertThat(stats).isNotNull();
            assertThat(stats.memoryBytes()).isPositive();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void stdoutAndStderrArePipesOfTheirOwn() throws Exception {
        String id = Leftovers.id("pipes");
        try (Container c = Container.builder().id(id).command("/bin/sh", "-c", "echo out; echo err >&2").build()) {
            ContainerProcess p = c.run();
            assertThat(Ran.readAll(p.getInputStream())).isEqualTo("out\n");
            assertThat(Ran.readAll(p.getErrorStream())).isEqualTo("err\n");
            assertThat(p.waitFor()).isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void stdinIsAPipeTheCommandReads() throws Exception {
        String id = Leftovers.id("stdin");
        try (Container c = Container.builder().id(id).command("/bin/cat").build()) {
            ContainerProcess p = c.run();
            try (OutputStream in = p.getOutputStream()) {
                in.write("hello through the pipe\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(Ran.readAll(p.getInputStream())).isEqualTo("hello through the pipe\n");
            assertThat(p.waitFor()).isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void outputAndErrorCanGoToFilesAndInputComeFromOne() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.txt"), "from a file\n");
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        String id = Leftovers.id("files");
        try (Container c = Container.builder().id(id)
                .redirectInput(Redirect.from(in.toFile()))
                .redirectOutput(out.toFile()).redirectError(Redirect.appendTo(err.toFile()))
                .command("/bin/sh", "-c", "cat; echo oops >&2").build()) {
            ContainerProcess p = c.run();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        assertThat(out).hasContent("from a file");
        assertThat(err).hasContent("oops");
        Leftovers.assertNoneOf(id);
    }

    @Test
    void inheritedStdioIsTheJvmsOwn() throws Exception {
        String id = Leftovers.id("inherit");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).inheritIO().command("/bin/sleep", "30").build()) {
            ContainerProcess p = c.run();
            for (int fd = 0; fd <= 2; fd++) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/" + fd)))
                        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)));
            }
            p.destroyForcibly();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void thePlanIsTheReadableSyscallProgram() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("plan");
        try (Container c = Container.builder().id(id).hostname("box").command("/bin/true").build()) {
            String plan = c.plan();
            assertThat(plan).contains("pivot_root").contains("sethostname(\"box\", 3)").contains("execve(\"/bin/true\"")
                    .contains("setresuid").contains("seccomp");
            assertThat(plan.lines().toList().getLast()).contains("execve");
            assertThat(plan.lines().findFirst().orElseThrow()).contains("clone3(").contains("CLONE_NEWPID")
                    .contains("CLONE_NEWNET").contains("spawner thread");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            Leftovers.assertNoneOf(id);
            // the plan changes nothing: the container still runs, once
            assertThat(Ran.of(c).exit()).isZero();
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theLifecycleHooksRunOnTheHostWithTheStateOnStdin() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("hooks"));
        Hooks hooks = new Hooks(List.of(hook(out, "prestart")), List.of(hook(out, "createRuntime")), null, null,
                List.of(hook(out, "poststart")), List.of(hook(out, "poststop")));
        String id = Leftovers.id("hooks");
        try (Container c = Container.builder().id(id).hooks(hooks).annotation("org.example/kind", "test")
                .command("/bin/true").build()) {
            c.create();
            long pid = c.state().pid();
            State prestart = OciSpecs.readState(out.resolve("prestart.json"));
            assertThat(prestart.id()).isEqualTo(id);
            assertThat(prestart.status()).isEqualTo("creating");
            assertThat(prestart.pid()).isEqualTo((int) pid);
            assertThat(prestart.annotations()).containsEntry("org.example/kind", "test");
            assertThat(OciSpecs.readState(out.resolve("createRuntime.json")).pid()).isEqualTo((int) pid);
            assertThat(out.resolve("poststart.json")).doesNotExist();
            ContainerProcess p = c.start();
            assertThat(OciSpecs.readState(out.resolve("poststart.json")).status()).isIn("running", "stopped");
            assertThat(p.waitFor()).isZero();
            assertThat(out.resolve("poststop.json")).doesNotExist();
            c.delete();
            State poststop = OciSpecs.readState(out.resolve("poststop.json"));
            assertThat(poststop.id()).isEqualTo(id);
            assertThat(poststop.status()).isEqualTo("stopped");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aFailingHookFailsCreateNamingItAndLeavesNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Hook failing = new Hook("/bin/sh", List.of("sh", "-c", "echo no way; exit 3"), null, 10);
        String id = Leftovers.id("hookfails");
        try (Container c = Container.builder().id(id).hooks(new Hooks(List.of(failing), null, null, null, null, null))
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).hasMessageContaining("hooks.prestart[0]").hasMessageContaining("exited with 3")
                    .hasMessageContaining("no way");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    private static Hook hook(Path dir, String kind) {
        return new Hook("/bin/sh", List.of("sh", "-c", "cat > " + dir.resolve(kind + ".json")), null, 10);
    }

    @Test
    void aBundleWithAConfigJsonRunsAsWritten() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Path bundle = Files.createDirectory(tmp.resolve("bundle"));
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        Spec example = OciSpecs.example();
        Spec spec = example.toBuilder()
                .root(new Root("rootfs", true))
                .process(example.process().toBuilder().terminal(false)
                        .args(List.of("sh", "-c", "echo $$ $(hostname)")).build())
                .hostname("bundled")
                .build();
        OciSpecs.writeConfig(spec, bundle.resolve("config.json"));
        String id = Leftovers.id("bundle");
        try (Container c = Container.fromBundle(bundle, id)) {
            assertThat(c.bundle()).isEqualTo(bundle.toAbsolutePath());
            Ran r = Ran.of(c);
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.out()).contains("1 bundled");
            assertThat(c.state().bundle()).isEqualTo(bundle.toAbsolutePath().toString());
        }
        Leftovers.assertNoneOf(id);
    }
}
