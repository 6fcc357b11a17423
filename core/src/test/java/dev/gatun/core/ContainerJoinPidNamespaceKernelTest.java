package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.namespaces.IdMapping;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.SetGroups;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container that joins another's PID namespace, as {@code podman run --pid=container:X} does: the
 * spawner thread joins it around the clone, so the init is born in it, as a member, and waits for
 * {@code start} like every container's init.
 */
@KernelTest
@Timeout(60)
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerJoinPidNamespaceKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final Duration QUICK_STOP = Duration.ofMillis(200);

    private HostSnapshot before;

    @BeforeAll
    static void spawnerThreadExists() throws Exception {
        // the spawner and reaper threads and their fds exist from the first spawn on
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
        // the JDK opens /dev/random and /dev/urandom for good on first use (temporary directories)
        new SecureRandom().nextBytes(new byte[1]);
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeaks() {
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    /** Runs {@code first}, whose command prints "ready" before anything else; returns its output after that line. */
    private static BufferedReader runUntilReady(Container first) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(first.run().getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        return out;
    }

    @Test
    void aContainerJoinsTheSidecarPidNamespaceOfAnother() throws Exception {
        String firstId = Leftovers.id("pidhost");
        String secondId = Leftovers.id("pidjoin");
        try (Container first = Container.builder().id(firstId)
                .stopTimeout(QUICK_STOP).command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            runUntilReady(first);
            ContainerProcess host = first.process();
            try (Container second = Container.builder().id(secondId)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid())
                            .create(NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK).build())
                    .command("/bin/sh", "-c", "echo $$; tr '\\0' ' ' </proc/1/cmdline; echo; exec sleep 3").build()) {
                assertThat(second.plan().lines().findFirst().orElseThrow()).contains("joined PID namespace")
                        .doesNotContain("CLONE_NEWPID");
                ContainerProcess joined = second.run();
                assertThat(NamespaceSet.of(joined.pid()).get(NamespaceType.PID))
                        .isEqualTo(NamespaceSet.of(host.pid()).get(NamespaceType.PID));
                BufferedReader lines = new BufferedReader(new InputStreamReader(joined.getInputStream(),
                        StandardCharsets.UTF_8));
                String pid = lines.readLine().strip();
                assertThat(pid).isNotEqualTo("1");
                // its own /proc (a new mount namespace) is the joined namespace's: pid 1 is the first's init
                assertThat(lines.readLine()).isEqualTo("sleep 30 ");
                // a member of the first's namespace, one level below the host's: the host's pid, then the inner one
                assertThat(Files.readAllLines(Path.of("/proc/" + joined.pid() + "/status")))
                        .contains("NSpid:\t" + joined.pid() + "\t" + pid);
                // the other namespaces are its own
                assertThat(NamespaceSet.of(host.pid()).differentFrom(NamespaceSet.of(joined.pid())))
                        .contains(NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK)
                        .doesNotContain(NamespaceType.PID);
                assertThat(joined.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(joined.exitValue()).isZero();
            }
            assertThat(host.isAlive()).as("the first container outlives the one that joined it").isTrue();
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    @Test
    void theJoinedInitIsInItsOwnCgroupAndVisibleFromTheFirstContainer() throws Exception {
        String firstId = Leftovers.id("pidseen");
        String secondId = Leftovers.id("pidseer");
        try (Container first = Container.builder().id(firstId).stopTimeout(QUICK_STOP)
                // the second's shell echoes its pid, then execs sleep: wait (up to 5 s) for that exec,
                // which races with this shell's own fork and exec of tr
                .command("/bin/sh", "-c", "echo ready; read pid; i=0; while [ $i -lt 100 ] && ! grep -q sleep "
                        + "/proc/$pid/cmdline; do sleep 0.05; i=$((i+1)); done; tr '\\0' ' ' </proc/$pid/cmdline; echo; "
                        + "exec sleep 30")
                .build()) {
            BufferedReader out = runUntilReady(first);
            ContainerProcess host = first.process();
            try (Container second = Container.builder().id(secondId).stopTimeout(QUICK_STOP)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid()).create(NamespaceType.MOUNT, NamespaceType.UTS).build())
                    .command("/bin/sh", "-c", "echo $$; exec sleep 29").build()) {
                second.create();
                // created: the init waits before execve, already in the first's PID namespace
                long created = second.state().pid();
                assertThat(NamespaceSet.of(created).get(NamespaceType.PID))
                        .isEqualTo(NamespaceSet.of(host.pid()).get(NamespaceType.PID));
                assertThat(Files.readString(Path.of("/proc/" + created + "/cgroup"))).contains(secondId)
                        .doesNotContain(firstId);
                ContainerProcess joined = second.start();
                String inner = new BufferedReader(new InputStreamReader(joined.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                OutputStream in = host.getOutputStream();
                in.write((inner + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                // the first container's shell finds the second's process in its own /proc
                assertThat(out.readLine()).isEqualTo("sleep 29 ");

                // killing the joined container leaves the first running
                second.kill(9);
                assertThat(joined.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(host.isAlive()).isTrue();
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    /**
     * CVE-2019-5736 class: until it execs, a joining init is the JVM's memory and shows the JVM's
     * binary. A root process of the joined namespace (Docker's capabilities, no CAP_SYS_PTRACE)
     * tries to open the waiting init's /proc/<pid>/mem and /proc/<pid>/exe: both are refused,
     * because the JVM's memory was made non-dumpable before the clone; the JVM is dumpable again
     * once the init has exec'd.
     */
    @Test
    void cve2019_5736_aProcessOfTheJoinedNamespaceCannotOpenTheWaitingInitsMemoryOrExe() throws Exception {
        Kernel.require(dev.gatun.core.linux.LibC.prctl(3 /* PR_GET_DUMPABLE */, 0) == 1, "this JVM was started non-dumpable");
        String firstId = Leftovers.id("pidattacker");
        String secondId = Leftovers.id("pidvictim");
        String attack = "echo ready; read pid; "
                + "(exec 3</proc/$pid/mem) 2>/dev/null && echo mem-opened || echo mem-refused; "
                + "(exec 4</proc/$pid/exe) 2>/dev/null && echo exe-opened || echo exe-refused; "
                + "readlink /proc/$pid/exe 2>/dev/null || echo exe-unreadable; exec sleep 30";
        try (Container first = Container.builder().id(firstId).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", attack).build()) {
            BufferedReader out = runUntilReady(first);
            ContainerProcess host = first.process();
            try (Container second = Container.builder().id(secondId).stopTimeout(QUICK_STOP)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid()).create(NamespaceType.MOUNT, NamespaceType.UTS).build())
                    .command("/bin/sh", "-c", "exec sleep 29").build()) {
                second.create();
                long created = second.state().pid();
                String nspid = Files.readAllLines(Path.of("/proc/" + created + "/status")).stream()
                        .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
                String inner = nspid.substring(nspid.lastIndexOf('\t') + 1).strip();
                OutputStream in = host.getOutputStream();
                in.write((inner + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                assertThat(out.readLine()).isEqualTo("mem-refused");
                assertThat(out.readLine()).isEqualTo("exe-refused");
                assertThat(out.readLine()).isEqualTo("exe-unreadable");
                assertThat(dev.gatun.core.linux.LibC.prctl(3, 0)).as("non-dumpable while the init waits").isZero();
                second.start();
                assertThat(waitUntilDumpable()).as("dumpable again once the init has exec'd").isTrue();
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    private static boolean waitUntilDumpable() throws Exception {
        for (int i = 0; i < 100; i++) {
            if (dev.gatun.core.linux.LibC.prctl(3, 0) == 1) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void whenTheFirstContainersInitDiesTheKernelKillsTheJoinedInit() throws Exception {
        String firstId = Leftovers.id("pidinit");
        String secondId = Leftovers.id("pidmember");
        try (Container first = Container.builder().id(firstId).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            runUntilReady(first);
            ContainerProcess host = first.process();
            try (Container second = Container.builder().id(secondId).stopTimeout(QUICK_STOP)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid()).create(NamespaceType.MOUNT, NamespaceType.UTS).build())
                    .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
                ContainerProcess joined = second.run();
                assertThat(new BufferedReader(new InputStreamReader(joined.getInputStream(), StandardCharsets.UTF_8))
                        .readLine()).isEqualTo("ready");
                first.kill(9);
                assertThat(host.waitFor(10, TimeUnit.SECONDS)).isTrue();
                // a PID namespace whose init exits is emptied by the kernel with SIGKILL
                assertThat(joined.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(joined.exitValue()).isEqualTo(128 + 9);
                assertThat(second.status()).isEqualTo(ContainerStatus.STOPPED);
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    @Test
    void aContainerWithANewUserNamespaceIsBornInAPidNamespaceOwnedByTheHostButMayOnlyBindItsProc(@TempDir Path tmp)
            throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        // the namespace's root is host uid 100000: it must be able to reach the rootfs
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = BusyboxRootfs.create(tmp.resolve("userns"));
        IdMappings range = new IdMappings(List.of(new IdMapping(0, 100_000, 65_536)),
                List.of(new IdMapping(0, 100_000, 65_536)), SetGroups.ALLOW);
        String firstId = Leftovers.id("pidhostu");
        String secondId = Leftovers.id("pidjoinu");
        try (Container first = Container.builder().id(firstId).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            runUntilReady(first);
            ContainerProcess host = first.process();
            ContainerBuilder builder = Container.builder().id(secondId).rootfs(rootfs).stopTimeout(QUICK_STOP)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid())
                            .create(NamespaceType.USER, NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC,
                                    NamespaceType.NETWORK).idMappings(range).build())
                    .command("/bin/sh", "-c", "echo $$; id -u; exec sleep 30").redirectErrorStream(true);

            // the kernel refuses a proc of a PID namespace the new user namespace does not own: said at once
            try (Container refused = builder.build()) {
                assertThatThrownBy(refused::create).isInstanceOf(InvalidSpecException.class)
                        .hasMessageContaining("$.mounts[0]")
                        .hasMessageContaining("that the new user namespace does not own, which the kernel refuses");
                assertThat(refused.status()).isEqualTo(ContainerStatus.NEW);
            }
            Leftovers.assertNoneOf(secondId);

            // with the host's /proc bound instead (as for a rootless container sharing the host's PID namespace)
            Spec spec = builder.toSpec();
            List<Mount> mounts = new ArrayList<>(spec.mounts());
            mounts.set(0, new Mount("/proc", "/proc", "bind", List.of("rbind", "nosuid", "noexec", "nodev"), null, null));
            try (Container second = Container.fromSpec(spec.toBuilder().mounts(mounts).build(), tmp, secondId)) {
                ContainerProcess joined = second.run();
                BufferedReader out = new BufferedReader(new InputStreamReader(joined.getInputStream(),
                        StandardCharsets.UTF_8));
                String inner = out.readLine();
                assertThat(inner).isNotEqualTo("1");
                assertThat(out.readLine()).isEqualTo("0");
                assertThat(NamespaceSet.of(joined.pid()).get(NamespaceType.PID))
                        .isEqualTo(NamespaceSet.of(host.pid()).get(NamespaceType.PID));
                assertThat(NamespaceSet.of(joined.pid()).differentFrom(NamespaceSet.self())).contains(NamespaceType.USER);
                assertThat(Files.readAllLines(Path.of("/proc/" + joined.pid() + "/status")))
                        .contains("NSpid:\t" + joined.pid() + "\t" + inner);
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    @Test
    void afterTheSpawnTheSpawnerThreadBearsChildrenInTheHostsPidNamespaceAgain() throws Exception {
        String hostPidNs = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        Path spawnerForChildren = Path.of("/proc/self/task/" + spawnerTid() + "/ns/pid_for_children");
        String firstId = Leftovers.id("pidback");
        String secondId = Leftovers.id("pidvisit");
        String thirdId = Leftovers.id("pidafter");
        try (Container first = Container.builder().id(firstId).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            runUntilReady(first);
            ContainerProcess host = first.process();
            try (Container second = Container.builder().id(secondId).stopTimeout(QUICK_STOP)
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid()).create(NamespaceType.MOUNT, NamespaceType.UTS).build())
                    .command("/bin/sleep", "30").build()) {
                second.create();
                assertThat(NamespaceSet.of(second.state().pid()).get(NamespaceType.PID))
                        .isEqualTo(NamespaceSet.of(host.pid()).get(NamespaceType.PID));
                assertThat(Files.readSymbolicLink(spawnerForChildren).toString()).isEqualTo(hostPidNs);

                // a plain spawn is in the host's PID namespace, a normal container in a new one of its own
                SpawnedProcess plain = Spawner.get().spawn(Program.builder().unblockSignals()
                        .execve("/bin/sleep", List.of("sleep", "30"), List.of()).build(), SpawnOptions.defaults());
                try {
                    assertThat(Files.readSymbolicLink(Path.of("/proc/" + plain.pid() + "/ns/pid")).toString())
                            .isEqualTo(hostPidNs);
                } finally {
                    plain.kill();
                    plain.waitFor();
                }
                try (Container third = Container.builder().id(thirdId).stopTimeout(QUICK_STOP)
                        .command("/bin/sh", "-c", "echo $$; exec sleep 30").build()) {
                    ContainerProcess p = third.run();
                    assertThat(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                            .readLine()).isEqualTo("1");
                    String thirdPidNs = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/pid")).toString();
                    assertThat(thirdPidNs).isNotEqualTo(hostPidNs)
                            .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/" + host.pid() + "/ns/pid")).toString());
                }
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
        Leftovers.assertNoneOf(thirdId);
    }

    @Test
    void joiningThePidNamespaceOfAProcessThatHasExitedFailsNamingItsNamespaceFileAndLeavesNothing() throws Exception {
        SpawnedProcess gone = Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults());
        gone.waitFor();
        String id = Leftovers.id("pidgone");
        try (Container c = Container.builder().id(id)
                .namespaces(Namespaces.builder().join(NamespaceType.PID, gone.pid()).create(NamespaceType.MOUNT, NamespaceType.UTS).build())
                .command("/bin/true").build()) {
            assertThatThrownBy(c::run)
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("/proc/" + gone.pid() + "/ns/pid");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        Leftovers.assertNoneOf(id);
    }

    /** The spawner thread's id, found by its name. */
    private static long spawnerTid() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals("gatun-spawner")) {
                        return Long.parseLong(task.getFileName().toString());
                    }
                } catch (NoSuchFileException threadEnded) {
                    // not the spawner, which lives as long as the JVM
                }
            }
        }
        throw new AssertionError("no thread named gatun-spawner in /proc/self/task");
    }
}

