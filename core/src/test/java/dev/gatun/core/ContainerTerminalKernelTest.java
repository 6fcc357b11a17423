package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.namespaces.IdMapping;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.SetGroups;
import dev.gatun.oci.Mount;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container whose stdio is a pseudo-terminal ({@code process.terminal}): the init's controlling
 * terminal, read and written through the pty master the {@link ContainerProcess} holds.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerTerminalKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    @BeforeAll
    static void theReaperRuns() throws Exception {
        // the JVM's one reaper thread and its epoll fd are made for the first container: make them
        // before the snapshots, so that they are not taken for a leak of the first test
        assertThat(Ran.of(Container.builder().id(Leftovers.id("warmup")).command("/bin/true")).exit()).isZero();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void theCommandSeesATerminalOfTheConsoleSize() throws Exception {
        ContainerProcess[] ran = new ContainerProcess[1];
        List<String> lines = linesOnItsTerminal("tty", true, Container.builder().terminal(true).consoleSize(40, 123)
                .command("/bin/sh", "-c", "[ -t 0 ] && echo stdin-is-a-tty; [ -t 2 ] && echo stderr-is-a-tty; "
                        + "stty size; echo to-stderr >&2; : </dev/tty && echo has-a-controlling-terminal"), ran);
        assertThat(lines).contains("stdin-is-a-tty", "stderr-is-a-tty", "40 123", "to-stderr",
                "has-a-controlling-terminal");
        assertThat(ran[0].getErrorStream().read()).as("stderr is merged into the terminal").isEqualTo(-1);
    }

    @Test
    void anInteractiveShellRunsWhatIsTypedAndEchoesIt() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("ttysh");
        try (Container c = Container.builder().id(id).terminal(true).command("/bin/sh").build()) {
            ContainerProcess p = c.run();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p));
            OutputStream in = p.getOutputStream();
            in.write("echo h''i\n".getBytes(StandardCharsets.UTF_8));
            in.write("exit 7\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String typed = output.get(30, TimeUnit.SECONDS);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(7);
            // the terminal echoes what was typed; the shell's output is "hi" on a line of its own
            assertThat(typed).contains("echo h''i");
            assertThat(lines(typed)).anyMatch(l -> l.matches("(# )?hi"));
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** Whether process {@code pid}'s group is its terminal's foreground group ({@code /proc/<pid>/stat}: pgrp = tpgid). */
    private static boolean inTheForeground(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "(comm) ": state ppid pgrp session tty_nr tpgid
            return f[2].equals(f[5]);
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    @Test
    void controlCInterruptsTheForegroundCommandNotTheShell() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("ttyintr");
        try (Container c = Container.builder().id(id).terminal(true).command("/bin/sh").build()) {
            ContainerProcess p = c.run();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p));
            OutputStream in = p.getOutputStream();
            in.write("sleep 60; echo slept\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            // until the sleep runs as the terminal's foreground process group (a loaded machine may
            // take seconds to fork it, and the shell gives it the terminal only after the fork)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.toHandle().descendants().noneMatch(d -> d.info().command().orElse("").endsWith("sleep")
                    && inTheForeground(d.pid()))) {
                assertThat(System.nanoTime()).as("the shell never ran sleep in the foreground").isLessThan(deadline);
                Thread.sleep(20);
            }
            // ^C: the line discipline sends SIGINT to the terminal's foreground process group
            in.write(3);
            in.write("echo after-inter''rupt; exit\n".getBytes(StandardCharsets.UTF_8));
            String typed = output.get(30, TimeUnit.SECONDS);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // the shell's output, after its prompt: the typed line echoes as "after-inter''rupt"
            assertThat(lines(typed)).anyMatch(l -> l.matches("(# )?after-interrupt")).noneMatch(l -> l.endsWith("slept")
                    && !l.contains("echo"));
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aContainerInItsOwnUserNamespaceTakesTheTerminalToo(@TempDir Path tmp) throws Exception {
        Path rootfs = userNamespaceRootfs(tmp);
        List<String> lines = linesOnItsTerminal("ttyuserns", false, Container.builder().rootfs(rootfs).terminal(true)
                .consoleSize(33, 99).namespaces(everyNamespaceWithItsOwnUsers())
                .command("/bin/sh", "-c", "[ -t 0 ] && echo stdin-is-a-tty; stty size; "
                        + ": </dev/tty && echo has-a-controlling-terminal"), null);
        assertThat(lines).contains("stdin-is-a-tty", "33 99", "has-a-controlling-terminal");
    }

    @Test
    void aResizeReachesTheRunningCommand() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("ttyrs");
        try (Container c = Container.builder().id(id).terminal(true).consoleSize(24, 80)
                .command("/bin/sh", "-c", "stty size; read line; stty size").build()) {
            ContainerProcess p = c.run();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p));
            p.resizeTerminal(50, 132);
            p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            List<String> lines = lines(output.get(30, TimeUnit.SECONDS));
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(lines).contains("50 132");
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theMasterIsClosedWhenTheContainerIsDeleted() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        ContainerProcess p;
        try (Container c = Container.builder().id(Leftovers.id("ttydel")).terminal(true).command("/bin/true").build()) {
            p = c.run();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // nobody reads the output: delete must still close the master
        }
        assertThatThrownBy(() -> p.resizeTerminal(10, 10)).isInstanceOf(IllegalStateException.class);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void thePlanMakesTheSlaveTheControllingTerminalAfterSetsid() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        try (Container c = Container.builder().id(Leftovers.id("ttyplan")).terminal(true).command("/bin/true").build()) {
            List<String> plan = c.plan().lines().toList();
            int setsid = indexOf(plan, "setsid()");
            int ctty = indexOf(plan, ", TIOCSCTTY, 0)");
            assertThat(setsid).isNotNegative();
            assertThat(ctty).isGreaterThan(setsid);
            assertThat(plan.stream().filter(l -> l.contains("dup3(")).count()).isEqualTo(3);
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void withoutATerminalThePlanHasNoControllingTerminal() throws Exception {
        try (Container c = Container.builder().id(Leftovers.id("nottyplan")).command("/bin/true").build()) {
            assertThat(c.plan()).doesNotContain("TIOCSCTTY");
        }
    }

    @Test
    void theTerminalIsAPtyOfTheContainersOwnDevptsAndItsConsole() throws Exception {
        List<String> lines = linesOnItsTerminal("ttyname", true, Container.builder().terminal(true).consoleSize(25, 81)
                .command("/bin/sh", "-c", "tty && echo tty-exit-0; [ -c /dev/console ] && echo console-is-a-char-device; "
                        + "[ \"$(stat -L -c %t:%T /dev/console)\" = \"$(stat -L -c %t:%T /proc/self/fd/0)\" ] "
                        + "&& echo console-is-stdin; echo through-the-con''sole >/dev/console; stty size </dev/console"),
                null);
        assertThat(lines).containsSubsequence("/dev/pts/0", "tty-exit-0")
                .contains("console-is-a-char-device", "console-is-stdin", "through-the-console", "25 81");
    }

    @Test
    void aUserWhoIsNotRootOwnsItsTerminalAndCanOpenItByName() throws Exception {
        List<String> lines = linesOnItsTerminal("ttyuser", true, Container.builder().terminal(true).user(1000, 1000)
                .command("/bin/sh", "-c", "id -u; tty && echo tty-exit-0; stat -c owner-%u /dev/pts/0; "
                        + "echo by-na''me >/dev/pts/0"), null);
        assertThat(lines).containsSubsequence("1000", "/dev/pts/0", "tty-exit-0").contains("owner-1000", "by-name");
    }

    @Test
    void inAUserNamespaceTheTerminalIsTheContainersOwnToo(@TempDir Path tmp) throws Exception {
        Path rootfs = userNamespaceRootfs(tmp);
        List<String> lines = linesOnItsTerminal("ttynameuserns", true, Container.builder().rootfs(rootfs).terminal(true)
                .namespaces(everyNamespaceWithItsOwnUsers())
                .command("/bin/sh", "-c", "tty && echo tty-exit-0; [ -c /dev/console ] && echo console-is-a-char-device; "
                        + "echo through-the-con''sole >/dev/console"), null);
        assertThat(lines).containsSubsequence("/dev/pts/0", "tty-exit-0")
                .contains("console-is-a-char-device", "through-the-console");
    }

    @Test
    void withoutADevptsOfItsOwnTheContainerGetsAHostPtyWithoutAName() throws Exception {
        // a /dev of the spec's own and no /dev/pts: the documented fallback to a host pty
        ContainerBuilder builder = Container.builder().terminal(true).consoleSize(30, 90)
                .mount(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"),
                        null, null))
                .command("/bin/sh", "-c", "[ -t 0 ] && echo stdin-is-a-tty; stty size; tty >/dev/null || echo tty-has-no-name; "
                        + "[ -e /dev/console ] || echo no-console");
        assertThat(builder.id(Leftovers.id("ttyhostplan")).build().plan()).doesNotContain("/dev/pts/ptmx");
        List<String> lines = linesOnItsTerminal("ttyhost", false, builder, null);
        assertThat(lines).contains("stdin-is-a-tty", "30 90", "tty-has-no-name", "no-console");
    }

    @Test
    void aConsoleThatCannotBeMountedFailsCreateNamingTheStepAndLeavesNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("ttyfail");
        // a directory at /dev/console: the slave (a file) cannot be mounted on it
        try (Container c = Container.builder().id(id).terminal(true).tmpfs("/dev/console", "1m")
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("move_mount(").hasMessageContaining("$console_target");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** CVE-2025-52565: a /dev/console that is a symlink must not take the console's mount elsewhere. */
    @Test
    void cve2025_52565_aConsoleThatIsASymlinkIsRefusedNotFollowed(@TempDir Path tmp) throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("ttylink");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("consolelink"));
        // the /dev an image might bring, bound over the default one
        Path dev = Files.createDirectories(tmp.resolve("imagedev"));
        Files.createSymbolicLink(dev.resolve("console"), Path.of("/proc/sys/kernel/hostname"));
        try (Container c = Container.builder().id(id).rootfs(rootfs).terminal(true)
                .mount(new Mount("/dev", dev.toString(), "bind", List.of("rbind"), null, null))
                .mount(new Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance",
                        "ptmxmode=0666", "mode=0620"), null, null))
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("openat2(AT_FDCWD, \"/dev/console\"").hasMessageContaining("ELOOP");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        assertThat(Files.isSymbolicLink(dev.resolve("console"))).isTrue();
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void thePlanOpensThePtyInTheContainerAfterPivotRootAndMountsItOnTheConsole() throws Exception {
        try (Container c = Container.builder().id(Leftovers.id("ttyplan2")).terminal(true).consoleSize(24, 80)
                .command("/bin/true").build()) {
            List<String> plan = c.plan().lines().toList();
            int pivot = indexOf(plan, "pivot_root(");
            int ptmx = indexOf(plan, "$pty_master = openat(AT_FDCWD, \"/dev/pts/ptmx\"");
            int peer = indexOf(plan, "$pty = ioctl($pty_master, TIOCGPTPEER");
            int size = indexOf(plan, "ioctl($pty, TIOCSWINSZ, &{24, 80})");
            int console = indexOf(plan, "$console_target, \"\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)");
            int ctty = indexOf(plan, "ioctl($pty, TIOCSCTTY, 0)");
            int capset = indexOf(plan, "capset(");
            assertThat(List.of(pivot, ptmx, peer, size, console, ctty, capset)).doesNotContain(-1).isSorted();
            assertThat(plan).filteredOn(l -> l.contains("dup3($pty, ")).hasSize(3);
        }
    }

    /**
     * Runs the container {@code builder} makes (with a fresh id from {@code name}) until it exits,
     * and returns what its terminal showed, line by line; checks that it exited 0 when asked, and
     * that nothing of it (no cgroup, state, mount, fd or child) remains afterwards. The process
     * lands in {@code ran[0]} when {@code ran} is given.
     */
    private static List<String> linesOnItsTerminal(String name, boolean exitsZero, ContainerBuilder builder,
            ContainerProcess[] ran) throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id(name);
        List<String> lines;
        try (Container c = builder.id(id).build()) {
            ContainerProcess p = c.run();
            if (ran != null) {
                ran[0] = p;
            }
            lines = lines(readAll(p));
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (exitsZero) {
                assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
            }
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
        return lines;
    }

    /** A busybox rootfs the user namespace's root (host uid 100000) can reach. */
    private static Path userNamespaceRootfs(Path tmp) throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        return BusyboxRootfs.create(tmp.resolve("userns"));
    }

    /** Every namespace new, the user namespace mapping 65,536 ids from host uid/gid 100000. */
    private static Namespaces everyNamespaceWithItsOwnUsers() {
        IdMappings range = new IdMappings(List.of(new IdMapping(0, 100_000, 65_536)),
                List.of(new IdMapping(0, 100_000, 65_536)), SetGroups.ALLOW);
        return Namespaces.builder().create(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT,
                NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK, NamespaceType.CGROUP)
                .idMappings(range).build();
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    private static String readAll(ContainerProcess p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The terminal's lines: it ends them with {@code \r\n} (ONLCR). */
    private static List<String> lines(String output) {
        return List.of(output.split("\r?\n"));
    }
}
