package dev.gatun.core.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.ChildOutput;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.core.spawn.StepFailedException;
import dev.gatun.namespaces.IdMapper;
import dev.gatun.namespaces.IdMapping;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceId;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.SetGroups;
import dev.gatun.namespaces.TimeOffsets;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Namespaces made and joined through {@link NamespaceSetup} and the real spawn engine, as root:
 * PID 1 in a new PID namespace, the maps the parent writes while the child waits, a second child
 * joining the first's namespaces, a fork into a joined PID namespace, time offsets.
 */
@KernelTest
@Timeout(90)
class NamespaceSpawnKernelTest {

    private static final Duration DAY = Duration.ofDays(1);

    private HostSnapshot before;
    private final List<SpawnedProcess> started = new java.util.ArrayList<>();

    @BeforeAll
    static void needsBusybox() throws Exception {
        Kernel.require(BusyboxRootfs.binary().filter(p -> p.equals(Path.of("/bin/busybox"))).isPresent(),
                "needs a static /bin/busybox (Debian package busybox-static)");
        // the spawner and reaper threads and their fds exist from the first spawn on
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void killWhatWasStartedAndCheckForLeaks() throws Exception {
        for (SpawnedProcess p : started) {
            p.kill();
            p.waitFor();
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** Spawns {@code rest} after the setup's steps, with a handshake when the plan needs one. */
    private SpawnedProcess spawn(Namespaces namespaces, UnaryOperator<Program.Builder> rest) throws IOException {
        try (NamespaceSetup setup = NamespaceSetup.prepare(namespaces)) {
            Program program = rest.apply(setup.appendChildSteps(Program.builder())).build();
            SpawnOptions options = setup.spawnOptions(SpawnOptions.defaults());
            SpawnedProcess p;
            if (setup.requiresHandshake()) {
                try (Handshake h = Spawner.get().start(program, options)) {
                    setup.configureWaitingChild(h);
                    h.release();
                    p = h.awaitExec();
                }
            } else {
                p = Spawner.get().spawn(program, options);
            }
            started.add(p);
            return p;
        }
    }

    /** A child that sleeps in new namespaces of {@code types} (host root's ids), with a hostname. */
    private SpawnedProcess sleeper(String hostname, NamespaceType... types) throws IOException {
        Namespaces ns = Namespaces.builder().create(types).build();
        return spawn(ns, b -> {
            if (hostname != null) {
                b.sethostname(hostname);
            }
            if (ns.created().contains(NamespaceType.NETWORK)) {
                Loopback.appendUp(b);
            }
            return b.closeRangeCloexec(3).unblockSignals()
                    .execve("/bin/busybox", List.of("sleep", "60"), ChildOutput.ENV);
        });
    }

    @Test
    void aChildInNewPidMountUtsIpcNetCgroupAndUserNamespacesIsPid1WithItsHostnameAndTheMapsWrittenWhileItWaited()
            throws Exception {
        IdMappings range = new IdMappings(List.of(new IdMapping(0, 100000, 65536)),
                List.of(new IdMapping(0, 200000, 65536)), SetGroups.ALLOW);
        EnumSet<NamespaceType> types = EnumSet.of(NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS,
                NamespaceType.IPC, NamespaceType.NETWORK, NamespaceType.CGROUP, NamespaceType.USER);
        Namespaces ns = Namespaces.builder().create(types.toArray(NamespaceType[]::new)).idMappings(range).build();
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess p = spawn(ns, b -> out.busybox(b.sethostname("gatun-ns").clearGroups().setresgid(0)
                            .setresuid(0),
                    "echo pid=$$; hostname; cat /proc/self/uid_map /proc/self/gid_map; echo id=$(id -u):$(id -g); "
                            + "exec >/dev/null 2>&1; exec sleep 60"));
            String text = out.readAll();
            assertThat(text.lines().map(l -> l.strip().replaceAll("\\s+", " ")).toList()).as(text).containsExactly(
                    "pid=1", "gatun-ns", "0 100000 65536", "0 200000 65536", "id=0:0");
            // from the host: exactly these types differ, and the container's root is host uid 100000
            assertThat(NamespaceSet.of(p.pid()).differentFrom(NamespaceSet.self())).isEqualTo(types);
            assertThat(Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")))
                    .contains("Uid:\t100000\t100000\t100000\t100000", "Gid:\t200000\t200000\t200000\t200000");
        }
    }

    @Test
    void aSecondChildJoinsTheFirstsNetAndUtsNamespacesAndSeesItsHostnameAndLoopback() throws Exception {
        SpawnedProcess first = sleeper("gatun-first", NamespaceType.UTS, NamespaceType.NETWORK);
        NamespaceId net = NamespaceId.of(NamespaceType.NETWORK, first.pid());
        Namespaces ns = Namespaces.builder()
                .join(NamespaceType.NETWORK, first.pid())
                .join(NamespaceType.UTS, first.pid())
                .build();
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess second = spawn(ns, b -> out.busybox(b,
                    "hostname; readlink /proc/self/ns/net; ifconfig lo | grep -o 'UP LOOPBACK RUNNING'"));
            String text = out.readAll();
            assertThat(second.waitFor().code()).as(text).isZero();
            assertThat(text.lines().toList()).as(text)
                    .containsExactly("gatun-first", "net:[" + net.inode() + "]", "UP LOOPBACK RUNNING");
        }
        assertThat(net).isNotEqualTo(NamespaceId.of(NamespaceType.NETWORK, ProcessHandle.current().pid()));
    }

    @Test
    void aChildJoiningAPidNamespaceIsBornInItAsTheJvmsOwnChildWithoutAFork() throws Exception {
        SpawnedProcess first = sleeper(null, NamespaceType.PID);
        NamespaceId pidNs = NamespaceId.of(NamespaceType.PID, first.pid());
        Namespaces ns = Namespaces.builder().join(NamespaceType.PID, first.pid()).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            assertThat(setup.joinsPidNamespaceAtClone()).isTrue();
            assertThat(setup.requiresFork()).isFalse();
            assertThat(setup.requiresHandshake()).isFalse();
        }
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess second = spawn(ns, b -> out.busybox(b,
                    "echo $$; readlink /proc/self/ns/pid; exec >/dev/null 2>&1; exec sleep 60"));
            String text = out.readAll();
            List<String> lines = text.lines().toList();
            assertThat(lines).as(text).hasSize(2);
            long inner = Long.parseLong(lines.get(0));
            assertThat(inner).as("pid inside the first child's namespace, whose init is pid 1").isGreaterThan(1)
                    .isLessThan(100);
            assertThat(lines.get(1)).isEqualTo("pid:[" + pidNs.inode() + "]");
            // NSpid: the host's pid, which the spawner reported, then the inner one; and the JVM's
            // direct child: no intermediate process
            assertThat(Files.readAllLines(Path.of("/proc/" + second.pid() + "/status")))
                    .contains("NSpid:\t" + second.pid() + "\t" + inner, "PPid:\t" + ProcessHandle.current().pid());
        }
    }

    @Test
    void aChildWithANewUserNamespaceIsBornInAJoinedPidNamespaceOwnedByTheHost() throws Exception {
        SpawnedProcess first = sleeper(null, NamespaceType.PID);
        NamespaceId pidNs = NamespaceId.of(NamespaceType.PID, first.pid());
        IdMappings range = new IdMappings(List.of(new IdMapping(0, 100000, 65536)),
                List.of(new IdMapping(0, 100000, 65536)), SetGroups.ALLOW);
        Namespaces ns = Namespaces.builder().join(NamespaceType.PID, first.pid())
                .create(NamespaceType.USER, NamespaceType.UTS).idMappings(range).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            // the handshake (for the maps) and the PID join together: the case Container needs
            assertThat(setup.requiresHandshake()).isTrue();
            assertThat(setup.requiresFork()).isFalse();
            assertThat(setup.spawnOptions(SpawnOptions.defaults()).namespaces())
                    .isEqualTo(NamespaceType.USER.cloneFlag() | NamespaceType.UTS.cloneFlag());
        }
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess second = spawn(ns, b -> out.busybox(b.sethostname("in-new-user-ns").setresgid(0)
                    .setresuid(0), "echo $$; readlink /proc/self/ns/pid; hostname; id -u"));
            String text = out.readAll();
            assertThat(second.waitFor().code()).as(text).isZero();
            List<String> lines = text.lines().toList();
            assertThat(lines).as(text).hasSize(4);
            assertThat(Long.parseLong(lines.get(0))).isGreaterThan(1);
            assertThat(lines.subList(1, 4)).containsExactly("pid:[" + pidNs.inode() + "]", "in-new-user-ns", "0");
        }
    }

    @Test
    void aLegacyCloneIsBornInTheJoinedPidNamespaceToo() throws Exception {
        SpawnedProcess first = sleeper(null, NamespaceType.PID);
        NamespaceId pidNs = NamespaceId.of(NamespaceType.PID, first.pid());
        try (NamespaceSetup setup = NamespaceSetup.prepare(Namespaces.builder().join(NamespaceType.PID, first.pid())
                .build()); ChildOutput out = new ChildOutput()) {
            Program program = out.busybox(setup.appendChildSteps(Program.builder()), "readlink /proc/self/ns/pid").build();
            SpawnedProcess p = Spawner.get().spawn(program, setup.spawnOptions(SpawnOptions.defaults().legacyClone(true)));
            started.add(p);
            String text = out.readAll();
            assertThat(p.waitFor().code()).as(text).isZero();
            assertThat(text.strip()).isEqualTo("pid:[" + pidNs.inode() + "]");
        }
    }

    @Test
    void joiningAPidNamespaceWhoseInitHasExitedFailsTheCloneSayingSoAndTheNextSpawnIsInTheHostsNamespace()
            throws Exception {
        SpawnedProcess first = sleeper(null, NamespaceType.PID);
        int fd = LibC.openat(LibC.AT_FDCWD, "/proc/" + first.pid() + "/ns/pid", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        try {
            first.kill();
            first.waitFor();
            // the fd pins the namespace, which has no init any more
            Namespaces ns = Namespaces.builder().join(NamespaceType.PID, Path.of("/proc/self/fd/" + fd)).build();
            assertThatThrownBy(() -> spawn(ns, b -> b.execve("/bin/true", List.of("true"), ChildOutput.ENV)))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageStartingWith("clone3(")
                    .hasMessageContaining("Cannot allocate memory (ENOMEM)")
                    .hasMessageContaining("admits no new process: its init has exited");
        } finally {
            LibC.close(fd);
        }
        assertBornInTheHostsPidNamespace();
    }

    @Test
    void aFileThatIsNotANamespaceFailsTheSpawnersPidJoinNamingItAndChangesNothing() throws Exception {
        Namespaces ns = Namespaces.builder().join(NamespaceType.PID, Path.of("/etc/hostname")).build();
        assertThatThrownBy(() -> spawn(ns, b -> b.execve("/bin/true", List.of("true"), ChildOutput.ENV)))
                .isInstanceOf(ErrnoException.class)
                .hasMessageMatching("setns\\(\\d+</etc/hostname>, CLONE_NEWPID\\): Invalid argument \\(EINVAL\\): "
                        + "\\d+</etc/hostname> is not a PID namespace, or not one nested in the JVM's own "
                        + "\\(\\d+<pid:\\[\\d+\\]>\\): .*");
        assertBornInTheHostsPidNamespace();
    }

    /** A plain spawn now: its child is in the JVM's PID namespace, as the spawner thread's pid_for_children. */
    private static void assertBornInTheHostsPidNamespace() throws Exception {
        SpawnedProcess p = Spawner.get().spawn(Program.builder().unblockSignals()
                .execve("/bin/busybox", List.of("sleep", "60"), ChildOutput.ENV).build(), SpawnOptions.defaults());
        try {
            assertThat(NamespaceId.of(NamespaceType.PID, p.pid()))
                    .isEqualTo(NamespaceId.of(NamespaceType.PID, ProcessHandle.current().pid()));
        } finally {
            p.kill();
            p.waitFor();
        }
    }


    @Test
    void joiningAUserNamespaceThenCreatingPidAndUtsUnsharesThemAndForksIntoTheNewPidNamespace() throws Exception {
        IdMappings range = new IdMappings(List.of(new IdMapping(0, 100000, 65536)),
                List.of(new IdMapping(0, 100000, 65536)), SetGroups.ALLOW);
        Namespaces firstNs = Namespaces.builder().create(NamespaceType.USER).idMappings(range).build();
        SpawnedProcess first = spawn(firstNs, b -> b.closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sleep", "60"), ChildOutput.ENV));
        NamespaceId user = NamespaceId.of(NamespaceType.USER, first.pid());
        Namespaces ns = Namespaces.builder().join(NamespaceType.USER, first.pid())
                .create(NamespaceType.PID, NamespaceType.UTS).build();
        try (ChildOutput out = new ChildOutput()) {
            SpawnedProcess second = spawn(ns, b -> out.busybox(b.sethostname("in-joined-user-ns").setresgid(0)
                    .setresuid(0), "echo pid=$$; hostname; readlink /proc/self/ns/user; id -u"));
            String text = out.readAll();
            assertThat(second.waitFor().code()).as(text).isZero();
            assertThat(text.lines().toList()).as(text)
                    .containsExactly("pid=1", "in-joined-user-ns", "user:[" + user.inode() + "]", "0");
        }
    }

    @Test
    void aFileThatIsNotANamespaceFailsTheChildsSetnsStepNamingThePath() throws Exception {
        Namespaces ns = Namespaces.builder().join(NamespaceType.NETWORK, Path.of("/etc/hostname")).build();
        assertThatThrownBy(() -> spawn(ns, b -> b.execve("/bin/true", List.of("true"), ChildOutput.ENV)))
                .isInstanceOf(StepFailedException.class)
                .hasMessageMatching("setns\\(\\d+</etc/hostname>, CLONE_NEWNET\\): Invalid argument \\(EINVAL\\) "
                        + "\\(step 0 of 2\\)");
    }

    @Test
    void inANewTimeNamespaceProcUptimeIsAheadByTheBoottimeOffset() throws Exception {
        Namespaces ns = Namespaces.builder().create(NamespaceType.TIME)
                .timeOffsets(new TimeOffsets(DAY.multipliedBy(2), DAY.multipliedBy(3))).build();
        try (ChildOutput out = new ChildOutput()) {
            double hostBefore = uptime(Files.readString(Path.of("/proc/uptime")));
            SpawnedProcess p = spawn(ns, b -> out.busybox(b, "cat /proc/uptime"));
            String text = out.readAll();
            double hostAfter = uptime(Files.readString(Path.of("/proc/uptime")));
            assertThat(p.waitFor().code()).as(text).isZero();
            double inside = uptime(text) - DAY.multipliedBy(3).toSeconds();
            // /proc/uptime shows CLOCK_BOOTTIME, shifted by the boottime offset (not the monotonic one)
            assertThat(inside).as(text).isBetween(hostBefore - 0.02, hostAfter + 0.02);
        }
    }

    @Test
    void inANewTimeNamespaceClockMonotonicIsAheadByTheMonotonicOffset() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classes = Path.of(MonotonicProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        Namespaces ns = Namespaces.builder().create(NamespaceType.TIME)
                .timeOffsets(TimeOffsets.monotonic(DAY.multipliedBy(2))).build();
        try (ChildOutput out = new ChildOutput()) {
            long hostBefore = System.nanoTime();
            SpawnedProcess p = spawn(ns, b -> out.redirect(b).closeRangeCloexec(3).unblockSignals().execve(java,
                    List.of("java", "-XX:-UsePerfData", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classes,
                            MonotonicProbe.class.getName()), ChildOutput.ENV));
            String text = out.readAll();
            long hostAfter = System.nanoTime();
            assertThat(p.waitFor().code()).as(text).isZero();
            long inside = Long.parseLong(text.strip()) - DAY.multipliedBy(2).toNanos();
            assertThat(inside).as(text).isBetween(hostBefore, hostAfter);
        }
    }

    @Test
    void theIdMapperPlanOfRootIsADirectWrite() throws Exception {
        Namespaces ns = Namespaces.builder().create(NamespaceType.USER)
                .idMappings(IdMappings.rootless(0, 0)).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            assertThat(setup.idMapperPlan().uidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
            assertThat(setup.requiresHandshake()).isTrue();
            assertThat(setup.appendChildSteps(Program.builder()).build().render().lines().map(String::strip))
                    .containsExactly("0  write(stage[1], \"!\", 1) == 1", "1  read(release[0], buf[1], 1) == 1");
            assertThat(setup.spawnOptions(SpawnOptions.defaults()).namespaces()).isEqualTo(NamespaceType.USER.cloneFlag());
        }
    }

    private static double uptime(String procUptime) {
        return Double.parseDouble(procUptime.strip().split("\\s+")[0]);
    }
}
