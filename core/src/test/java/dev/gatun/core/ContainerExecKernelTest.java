package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Container#exec}: a process started beside a running container's init, in every one of
 * its namespaces, its cgroup and under its security, as the kernel shows it; and a process of the
 * container that watches for the exec's child while it still shares the JVM's memory.
 */
@KernelTest
@Timeout(120)
@org.junit.jupiter.api.Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane): CLONE_INTO_CGROUP
class ContainerExecKernelTest {

    private static final Duration QUICK_STOP = Duration.ofMillis(200);

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp();
    }

    private static BufferedReader runUntilReady(Container c) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(c.run().getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        return out;
    }

    private static String output(ContainerProcess p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void theExecdProcessIsInEveryNamespaceAndTheCgroupOfTheInit() throws Exception {
        String id = Leftovers.id("exec");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).hostname("execbox")
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            long init = c.process().pid();
            ContainerProcess p = c.exec("/bin/sh", "-c", "echo $$ $(hostname); read line; echo got $line; exit 7");
            assertThat(NamespaceSet.of(p.pid()).ids()).as("the same namespaces as the init")
                    .isEqualTo(NamespaceSet.of(init).ids());
            assertThat(Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")))
                    .isEqualTo(Files.readString(Path.of("/proc/" + init + "/cgroup")));
            p.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String[] lines = output(p).split("\n");
            assertThat(Long.parseLong(lines[0].split(" ")[0])).as("a pid of the container's PID namespace, not 1").isGreaterThan(1);
            assertThat(lines[0].split(" ")[1]).isEqualTo("execbox");
            assertThat(lines[1]).isEqualTo("got hello");
            assertThat(p.exitValue()).isEqualTo(7);
            assertThat(p.container()).isSameAs(c);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theExecdProcessHasTheContainersSecurityNotTheJvms() throws Exception {
        String id = Leftovers.id("execsec");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            String fields = "grep -E '^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs|Uid|Gid|Groups):' /proc/self/status";
            ContainerProcess p = c.exec("/bin/sh", "-c", fields);
            String exec = output(p);
            List<String> init = Files.readAllLines(Path.of("/proc/" + c.process().pid() + "/status")).stream()
                    .filter(l -> l.matches("^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs|Uid|Gid|Groups):.*")).toList();
            assertThat(exec.strip().lines().map(String::strip).toList())
                    .isEqualTo(init.stream().map(String::strip).toList());
            assertThat(exec).contains("Seccomp:\t2");
            // the container's seccomp filter: a call the default profile refuses fails inside
            ContainerProcess unshare = c.exec("/bin/sh", "-c", "unshare -U true 2>&1; echo status $?");
            assertThat(output(unshare)).contains("status 1").doesNotContain("status 0");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void anotherUserEnvironmentAndDirectoryAsRuncExecsFlagsGiveThem() throws Exception {
        String id = Leftovers.id("execopt");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).env("FROM_IMAGE", "kept")
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            ContainerProcess p = c.execBuilder("sh", "-c", "echo $(id -u):$(id -g) $FROM_IMAGE $EXTRA $(pwd)")
                    .user(1000, 1001).env("EXTRA", "added").workingDirectory("/tmp").start();
            assertThat(output(p).strip()).isEqualTo("1000:1001 kept added /tmp");
            assertThat(p.exitValue()).isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void intoAContainerWithAUserNamespaceOfAHostRangeItJoinsAsTheNamespacesRoot(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        dev.gatun.testing.Kernel.require(dev.gatun.testing.BusyboxRootfs.binary().isPresent(), "busybox-static");
        // the namespace's root is host uid 100000: it must be able to reach the rootfs
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = dev.gatun.testing.BusyboxRootfs.create(tmp.resolve("userns"));
        var range = new dev.gatun.namespaces.IdMappings(List.of(new dev.gatun.namespaces.IdMapping(0, 100_000, 65_536)),
                List.of(new dev.gatun.namespaces.IdMapping(0, 100_000, 65_536)), dev.gatun.namespaces.SetGroups.ALLOW);
        String id = Leftovers.id("execuserns");
        try (Container c = Container.builder().id(id).rootfs(rootfs).stopTimeout(QUICK_STOP)
                .namespaces(dev.gatun.namespaces.Namespaces.builder().create(java.util.Arrays.stream(
                        dev.gatun.namespaces.NamespaceType.values()).filter(t -> t != dev.gatun.namespaces.NamespaceType.TIME)
                        .toArray(dev.gatun.namespaces.NamespaceType[]::new)).idMappings(range).build())
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            ContainerProcess p = c.execBuilder("/bin/sh", "-c", "id -u; read x")
                    .user(0, 0).start();
            assertThat(NamespaceSet.of(p.pid()).ids()).isEqualTo(NamespaceSet.of(c.process().pid()).ids());
            assertThat(Files.readString(Path.of("/proc/" + p.pid() + "/status"))).containsPattern("\nUid:\\s+100000\\s");
            p.getOutputStream().close();
            String out = output(p);
            assertThat(out).isEqualTo("0\n");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void intoAContainerWithATimeNamespaceExecIsRefusedInOneLine() throws Exception {
        String id = Leftovers.id("exectime");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .namespaces(dev.gatun.namespaces.Namespaces.builder().create(java.util.Arrays.stream(
                        dev.gatun.namespaces.NamespaceType.values()).filter(t -> t != dev.gatun.namespaces.NamespaceType.USER)
                        .toArray(dev.gatun.namespaces.NamespaceType[]::new)).build())
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            long before = ProcessHandle.current().children().count();
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("joining a time namespace");
            assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aTerminalIsTheProcesssControllingTerminal() throws Exception {
        String id = Leftovers.id("exectty");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            ContainerProcess p = c.execBuilder("/bin/sh", "-c",
                    "test -t 0 && test -t 1 && echo tty-ok; ps -o pid,sid,tty | tail -n +1 >/dev/null; exit 3")
                    .terminal(true).start();
            String out = new String(p.getInputStream().readNBytes(8), StandardCharsets.UTF_8);
            assertThat(out).startsWith("tty-ok");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(3);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aMemoryLimitKillsAnExecdHogAndAPidsLimitStopsItsForks() throws Exception {
        String id = Leftovers.id("execlim");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .resources(r -> r.memory("32m").memorySwap("32m").pidsLimit(8))
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            ContainerProcess hog = c.exec("/bin/sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived");
            assertThat(output(hog)).doesNotContain("survived");
            assertThat(hog.exitValue()).as("the shell or its pipeline was OOM-killed").isNotZero();
            assertThat(c.stats().toString()).isNotEmpty();
            ContainerProcess forks = c.exec("/bin/sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done 2>&1; wait");
            assertThat(output(forks).toLowerCase(java.util.Locale.ROOT)).containsPattern("(can't|cannot) fork");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aCommandThatIsNotThereFailsNamingItAndLeavesNothing() throws Exception {
        String id = Leftovers.id("execnf");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 60").build()) {
            runUntilReady(c);
            long before = ProcessHandle.current().children().count();
            assertThatThrownBy(() -> c.exec("no-such-command"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no-such-command: not found in the container on PATH");
            assertThatThrownBy(() -> c.exec("/bin/nothing-here"))
                    .hasMessageContaining("/bin/nothing-here: not found in the container");
            assertThatThrownBy(() -> c.execBuilder("true").workingDirectory("relative").start())
                    .hasMessageContaining("$.process.cwd");
            assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
            // and the PATH search finds what is there
            assertThat(output(c.exec("busybox", "echo", "found"))).isEqualTo("found\n");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void execIsRefusedUnlessTheContainerRuns() throws Exception {
        String id = Leftovers.id("execst");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).command("/bin/true").build()) {
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(ContainerStateException.class);
            c.create();
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(ContainerStateException.class)
                    .hasMessageContaining("running");
            c.start().waitFor();
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(ContainerStateException.class);
        }
        Leftovers.assertNoneOf(id);
    }

    /**
     * The CVE-2019-5736 class, for exec: until its execve the exec's child is a clone of the JVM's
     * spawner thread (its {@code comm} still {@code gatun-spawner}, its memory the JVM's) inside
     * the container's PID namespace. The test stops that child with SIGSTOP (which no mask blocks)
     * once it has taken the container's credentials and seccomp filter, in a PATH search made long
     * on purpose (many missing directories, one failed execve each); then a process of the
     * container tries to open its memory and its exe and to read where its exe leads.
     */
    @Test
    void cve2019_5736_aProcessOfTheContainerCannotOpenTheExecsChildWhileItIsTheJvm() throws Exception {
        String id = Leftovers.id("execcve");
        String attacker = "echo ready; while read pid; do "
                + "(exec 3</proc/$pid/mem) 2>/dev/null && m=mem-opened || m=mem-refused; "
                + "(exec 4</proc/$pid/exe) 2>/dev/null && e=exe-opened || e=exe-refused; "
                + "l=$(readlink /proc/$pid/exe 2>/dev/null || echo unreadable); "
                + "echo \"$(cat /proc/$pid/comm) $m $e $l\"; done";
        Path spawnerChildren = spawnerThreadChildren();
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).command("/bin/sh", "-c", attacker).build()) {
            BufferedReader out = runUntilReady(c);
            StringBuilder path = new StringBuilder();
            // below MAX_ARG_STRLEN (128 KiB), the kernel's limit for one string of the environment
            for (int i = 0; i < 12_000; i++) {
                path.append("/n/").append(i).append(':');
            }
            path.append("/bin");
            String report = null;
            for (int round = 0; round < 20 && report == null; round++) {
                java.util.concurrent.CompletableFuture<ContainerProcess> exec = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {
                                return c.execBuilder("true").env("PATH", path.toString()).start();
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                long stopped = 0;
                while (!exec.isDone() && stopped == 0) {
                    for (String child : Files.readString(spawnerChildren).split("\\s+")) {
                        if (!child.isEmpty() && stopInThePathSearch(Long.parseLong(child))) {
                            stopped = Long.parseLong(child);
                            break;
                        }
                    }
                }
                if (stopped != 0) {
                    try {
                        String nspid = Files.readAllLines(Path.of("/proc/" + stopped + "/status")).stream()
                                .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
                        c.process().getOutputStream().write((nspid.substring(nspid.lastIndexOf('\t') + 1).strip() + "\n")
                                .getBytes(StandardCharsets.UTF_8));
                        c.process().getOutputStream().flush();
                        report = out.readLine();
                    } finally {
                        dev.gatun.core.linux.LibC.kill(stopped, 18); // SIGCONT
                    }
                }
                ContainerProcess p = exec.get(30, TimeUnit.SECONDS);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
            assertThat(report).as("the exec's child was stopped before its execve").isNotNull();
            assertThat(report).isEqualTo("gatun-spawner mem-refused exe-refused unreadable");
            assertThat(dev.gatun.core.linux.LibC.prctl(3 /* PR_GET_DUMPABLE */, 0)).as("dumpable again").isEqualTo(1);
        }
        Leftovers.assertNoneOf(id);
    }

    /** The children file of the JVM's spawner thread (its clones are the exec's children). */
    private static Path spawnerThreadChildren() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals("gatun-spawner")) {
                    return task.resolve("children");
                }
            }
        }
        throw new IllegalStateException("no gatun-spawner thread");
    }

    /**
     * Stops {@code pid} with SIGSTOP; true when it was caught still the JVM's clone (comm
     * gatun-spawner) but already under the container's seccomp filter (in the PATH search),
     * otherwise it is continued and false.
     */
    private static boolean stopInThePathSearch(long pid) throws IOException {
        dev.gatun.core.linux.LibC.kill(pid, 19); // SIGSTOP
        try {
            for (int i = 0; i < 1000; i++) {
                List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
                if (!status.contains("Name:\tgatun-spawner")) {
                    break; // exec'd already
                }
                if (status.stream().anyMatch(l -> l.startsWith("State:\tT"))) {
                    if (status.contains("Seccomp:\t2")) {
                        return true;
                    }
                    break; // stopped before the filter: too early
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        dev.gatun.core.linux.LibC.kill(pid, 18);
        return false;
    }
}
