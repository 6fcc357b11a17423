package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.ResourceSample;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected at real points of create, each followed by the same three checks: a clear error
 * (the errno and what it hit), nothing left (no cgroup directory in any hierarchy, no state
 * directory, no fd, child or mount: {@link Leftovers}, {@link HostSnapshot}), and a next container
 * that runs. Faults that must hold a whole JVM (its fd limit, its pids cgroup, its state directory)
 * are put on a child JVM ({@link FaultProbe}), never on the test's own.
 */
@KernelTest
@Timeout(180)
class ContainerFaultKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    @TempDir
    Path tmp;

    private Path rootfs;

    @BeforeEach
    void busybox() {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
    }

    /** One container first, so that what a JVM opens once (the reaper, the sentinel) is in a test's baseline. */
    private void warmUp() throws Exception {
        assertThat(Ran.of(Container.builder().id(Leftovers.id("warm")).rootfs(rootfs).command("/bin/true")).exit())
                .isZero();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void emfileAtEachPointOfCreateFailsNamingItAndLeavesNothing() throws Exception {
        try (Probe probe = Probe.start(rootfs, List.of())) {
            probe.warmUp();
            int fds = Integer.parseInt(probe.ask("fds").split(" ")[1]);
            String original = sh("prlimit", "--pid", Long.toString(probe.pid()), "--nofile", "--raw", "--noheadings",
                    "--output", "SOFT,HARD").strip().replaceAll("\\s+", ":");
            int failures = 0;
            String answer = null;
            // a limit just above what the JVM holds, raised one fd at a time: each create runs out
            // at a later point, until one has enough
            for (int limit = fds; limit < fds + 64; limit++) {
                String id = Leftovers.id("emfile");
                sh("prlimit", "--pid", Long.toString(probe.pid()), "--nofile=" + limit + ":" + original.split(":")[1]);
                try {
                    answer = probe.ask("run " + id);
                } finally {
                    sh("prlimit", "--pid", Long.toString(probe.pid()), "--nofile=" + original);
                }
                System.err.println("RLIMIT_NOFILE " + limit + " (" + fds + " open): " + answer);
                if (answer.equals("ok")) {
                    break;
                }
                failures++;
                assertThat(answer).as("create with RLIMIT_NOFILE %d", limit).containsAnyOf("EMFILE", "Too many open files", "RLIMIT_NOFILE");
                probe.assertNothingLeft(id);
            }
            assertThat(failures).as("creates that ran out of fds").isPositive();
            assertThat(answer).as("create with enough fds").isEqualTo("ok");
            assertThat(probe.ask("run " + Leftovers.id("emfile-next"))).isEqualTo("ok");
        }
    }

    @Test
    void enospcOnTheStateDirectoryFailsCreateNamingItAndLeavesNothing() throws Exception {
        try (Probe probe = Probe.start(rootfs, privateStateTmpfs("nr_inodes=1000"))) {
            probe.warmUp();
            assertThat(probe.ask("sandbox " + Leftovers.id("enospc-warm"))).isEqualTo("ok");
            int failures = 0;
            String answer = null;
            // a state directory with room for 2, 3, ... inodes: each create runs out later (a
            // remount below what is in use, this JVM's sandbox skeleton, is refused: the next count)
            for (int inodes = 2; inodes < 200; inodes++) {
                try {
                    probe.inMountNamespace("mount", "-o", "remount,nr_inodes=" + inodes, SandboxRoot.stateDirectory().toString());
                } catch (IOException e) {
                    assertThat(e.getMessage()).contains("bad option");
                    continue;
                }
                assertThat(probe.ask("baseline")).isEqualTo("ok"); // the remount changed the mount's line
                String id = Leftovers.id("enospc");
                answer = probe.ask("sandbox " + id);
                System.err.println("state directory with " + inodes + " inodes: " + answer);
                if (answer.equals("ok")) {
                    break;
                }
                failures++;
                assertThat(answer).as("create with %d inodes", inodes).containsAnyOf("No space left on device", "ENOSPC")
                        .contains(SandboxRoot.stateDirectory().resolve(id).toString());
                probe.assertNothingLeft(id);
            }
            assertThat(failures).as("creates that ran out of inodes").isPositive();
            assertThat(answer).as("create with enough inodes").isEqualTo("ok");
            probe.inMountNamespace("mount", "-o", "remount,nr_inodes=1000", SandboxRoot.stateDirectory().toString());
            assertThat(probe.ask("sandbox " + Leftovers.id("enospc-next"))).isEqualTo("ok");
        }
    }

    @Test
    void erofsOnTheStateDirectoryFailsCreateNamingItAndLeavesNothing() throws Exception {
        try (Probe probe = Probe.start(rootfs, privateStateTmpfs("nr_inodes=1000"))) {
            probe.warmUp();
            String dir = SandboxRoot.stateDirectory().toString();
            probe.inMountNamespace("mount", "-o", "remount,ro", dir);
            String id = Leftovers.id("erofs");
            String answer = probe.ask("sandbox " + id);
            probe.inMountNamespace("mount", "-o", "remount,rw", dir);
            assertThat(answer).contains("Read-only file system").contains(dir + "/" + id);
            probe.assertNothingLeft(id);
            assertThat(probe.ask("sandbox " + Leftovers.id("erofs-next"))).isEqualTo("ok");
        }
    }

    @Test
    void eagainFromTheJvmsPidsLimitFailsTheCloneAndLeavesNothing() throws Exception {
        Path pidsMount = Path.of("/sys/fs/cgroup/pids");
        Kernel.require(Files.isRegularFile(pidsMount.resolve("cgroup.procs")), "a cgroup v1 pids hierarchy");
        Path own = Path.of(pidsMount.toString(), ownV1Path("pids"));
        Path limited = own.resolve("gatun-test-" + ProcessHandle.current().pid() + "-pids");
        Files.createDirectory(limited);
        try {
            try (Probe probe = Probe.start(rootfs, List.of())) {
                probe.warmUp();
                Files.writeString(limited.resolve("cgroup.procs"), Long.toString(probe.pid()));
                // not one task more than the JVM has: the clone of the container's init is refused
                Files.writeString(limited.resolve("pids.max"), Files.readString(limited.resolve("pids.current")).strip());
                String id = Leftovers.id("eagain");
                String answer = probe.ask("run " + id);
                Files.writeString(limited.resolve("pids.max"), "max");
                assertThat(answer).contains("clone").contains("EAGAIN").contains("pids.max");
                probe.assertNothingLeft(id);
                try (Stream<Path> below = Files.list(limited)) {
                    assertThat(below.filter(Files::isDirectory)).as("cgroups left below %s", limited).isEmpty();
                }
                assertThat(probe.ask("run " + Leftovers.id("eagain-next"))).isEqualTo("ok");
            }
        } finally {
            awaitRmdir(limited);
        }
    }

    @Test
    void aCgroupThatExistsInOneHierarchyFailsCreateNamingItKeepingItAndRemovingTheOthers() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        List<String> controllers = layout.v1Mounts().keySet().stream().filter(c -> !c.startsWith("name=")).toList();
        Kernel.require(!controllers.isEmpty(), "cgroup v1 hierarchies (a hybrid or legacy host)");
        // the last hierarchy create makes (all the others made by then), and the unified one
        List<Path> targets = new ArrayList<>();
        Path lastV1 = Path.of(layout.v1Mounts().get(controllers.getLast()).toString(),
                ownV1Path(controllers.getLast()));
        targets.add(lastV1);
        Map<String, Path> own = Leftovers.ownCgroups();
        if (own.containsKey("unified")) {
            targets.add(own.get("unified").resolve(Leftovers.SENTINEL_DIR));
        }
        // the unified parent (the sentinel's directory) exists once a container has run
        Ran.of(Container.builder().id(Leftovers.id("mkdir-warm")).rootfs(rootfs).command("/bin/true"));
        HostSnapshot before = HostSnapshot.take();
        for (Path parent : targets) {
            String id = Leftovers.id("mkdir");
            Path existing = parent.resolve("gatun-" + id);
            Files.createDirectory(existing);
            try {
                assertThatThrownBy(() -> Ran.of(Container.builder().id(id).rootfs(rootfs).command("/bin/true")))
                        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
                        .hasMessageContaining(existing.toString()).hasMessageContaining("exists already");
                assertThat(existing).as("the cgroup that was there before").isDirectory();
                assertThat(Leftovers.of(id)).as("what the failed create left").containsExactly(existing);
            } finally {
                Files.delete(existing);
            }
            Leftovers.assertNoneOf(id);
        }
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
        assertThat(Ran.of(Container.builder().id(Leftovers.id("mkdir-next")).rootfs(rootfs).command("/bin/true")).exit())
                .isZero();
    }

    @Test
    void aCreatedInitKilledByPidFailsStartNamingItAndDeleteLeavesNothing() throws Exception {
        warmUp();
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("killed-created");
        try (Container c = Container.builder().id(id).rootfs(rootfs).command("/bin/true").build()) {
            c.create();
            long pid = c.state().pid();
            ProcessHandle init = ProcessHandle.of(pid).orElseThrow();
            assertThat(init.destroyForcibly()).as("SIGKILL to the created init %d", pid).isTrue();
            init.onExit().join();
            assertThatThrownBy(c::start).hasMessageContaining(Long.toString(pid)).hasMessageContaining("died");
            assertThat(c.status()).isEqualTo(ContainerStatus.STOPPED);
            c.delete();
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
        assertThat(Ran.of(Container.builder().id(Leftovers.id("killed-next")).rootfs(rootfs).command("/bin/true")).exit())
                .isZero();
    }

    @Test
    void anInitKilledByAPrestartHookWhileItWaitsFailsStartNamingItAndDeleteLeavesNothing() throws Exception {
        warmUp();
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("killed-by-hook");
        // the hook reads the state (with the waiting init's pid) on its stdin, as OCI hooks do
        dev.gatun.oci.Hook killer = new dev.gatun.oci.Hook("/bin/sh", List.of("sh", "-c",
                "kill -KILL $(tr -d ' \\n' | sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p')"), null, 10);
        try (Container c = Container.builder().id(id).rootfs(rootfs)
                .hooks(new dev.gatun.oci.Hooks(List.of(killer), null, null, null, null, null)).command("/bin/true").build()) {
            c.create();
            long pid = c.state().pid();
            assertThatThrownBy(c::start).hasMessageContaining(Long.toString(pid)).hasMessageContaining("died before start");
            assertThat(c.status()).isEqualTo(ContainerStatus.STOPPED);
            c.delete();
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
        assertThat(Ran.of(Container.builder().id(Leftovers.id("killed-by-hook-next")).rootfs(rootfs).command("/bin/true"))
                .exit()).isZero();
    }

    @Test
    void anInitStepThatFailsBeforeTheCreatedPauseFailsCreateNamingTheStep() throws Exception {
        warmUp();
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("bad-step");
        // the kernel refuses the value when the init writes it, in its own network namespace
        try (Container c = Container.builder().id(id).rootfs(rootfs).sysctl("net.ipv4.ip_forward", "not-a-number")
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).hasMessageContaining("net/ipv4/ip_forward").hasMessageContaining("EINVAL")
                    .hasMessageContaining("step");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
        assertThat(Ran.of(Container.builder().id(Leftovers.id("bad-step-next")).rootfs(rootfs).command("/bin/true")).exit())
                .isZero();
    }

    /** The path of this JVM's cgroup in v1 hierarchy {@code controller}, from /proc/self/cgroup. */
    private static String ownV1Path(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return f[2];
            }
        }
        throw new IllegalStateException("no " + controller + " line in /proc/self/cgroup");
    }

    /** A wrapper that gives the probe JVM its own mount namespace with a tmpfs on the state directory. */
    private static List<String> privateStateTmpfs(String options) {
        String dir = SandboxRoot.stateDirectory().toString();
        return List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mkdir -p " + dir + " && mount -t tmpfs -o size=64k," + options + " gatun-fault " + dir + " && exec \"$@\"",
                "sh");
    }

    private static void awaitRmdir(Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (java.nio.file.FileSystemException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50); // the probe JVM's last task is still leaving
            }
        }
    }

    static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** A {@link FaultProbe} JVM, asked one line at a time. */
    private record Probe(Process jvm, Writer in, BufferedReader out) implements AutoCloseable {

        static Probe start(Path rootfs, List<String> wrapper) throws Exception {
            List<String> cmd = new ArrayList<>(wrapper);
            // The JVM's own threads all exist before a test pins its pids limit: the serial GC has
            // no workers to start on demand, nor has the JIT (G1 started "GC Thread#1" after the pin
            // in 2 of 4 runs once the first container loaded fewer classes, and its EAGAIN warning
            // came back as the answer); the JVM's warnings go to stderr, not among the answers.
            cmd.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:-UsePerfData",
                    "-XX:+UseSerialGC", "-XX:-UseDynamicNumberOfCompilerThreads", "-Xlog:disable",
                    "-Xlog:all=warning:stderr", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED", "-cp", classpath(),
                    FaultProbe.class.getName(), rootfs.toString()));
            Process jvm = new ProcessBuilder(cmd).redirectError(Redirect.INHERIT).start();
            return new Probe(jvm, new OutputStreamWriter(jvm.getOutputStream(), StandardCharsets.UTF_8),
                    new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8)));
        }

        /** The JVM's pid (the wrappers exec it: same process). */
        long pid() {
            return jvm.pid();
        }

        /** One container, so that what a JVM opens once is open, then the baseline. */
        void warmUp() throws Exception {
            assertThat(ask("run " + Leftovers.id("probe-warm"))).isEqualTo("ok");
            assertThat(ask("baseline")).isEqualTo("ok");
        }

        String ask(String command) throws Exception {
            in.write(command + "\n");
            in.flush();
            String answer = Ran.readLine(out);
            if (answer == null) {
                throw new AssertionError("the probe JVM ended (exit " + jvm.waitFor() + ") on: " + command);
            }
            return answer;
        }

        void inMountNamespace(String... command) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid()), "--mount", "--"));
            cmd.addAll(List.of(command));
            sh(cmd.toArray(String[]::new));
        }

        /** The directories in {@code dir}; none when it is gone (another process's cgroup, removed meanwhile). */
        private static List<Path> childrenOf(Path dir) throws java.io.IOException {
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(Files::isDirectory).toList();
            } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
                return List.of();
            }
        }

        /** No fd, child or mount in the probe, no state directory as it sees it, no cgroup directory. */
        void assertNothingLeft(String id) throws Exception {
            assertThat(ask("leaks")).as("what the probe JVM holds after %s failed", id).isEqualTo("leaks ");
            assertThat(ask("state")).as("the state directory after %s failed", id).doesNotContain(id);
            List<Path> left = new ArrayList<>(Leftovers.of(id));
            for (Path own : ResourceSample.ownCgroups()) {
                for (Path parent : List.of(own, own.resolve("gatun-jvm-" + pid()))) {
                    // two levels: the container's directory below the JVM's cgroup, or below a
                    // per-JVM directory; others' cgroups may come and go meanwhile
                    for (Path p : childrenOf(parent)) {
                        if (p.getFileName().toString().equals("gatun-" + id)) {
                            left.add(p);
                        }
                        childrenOf(p).stream().filter(c -> c.getFileName().toString().equals("gatun-" + id))
                                .forEach(left::add);
                    }
                }
            }
            assertThat(left).as("what container %s left", id).isEmpty();
        }

        @Override
        public void close() throws Exception {
            in.close(); // the probe's main returns at EOF
            if (!jvm.waitFor(30, TimeUnit.SECONDS)) {
                jvm.destroyForcibly();
                jvm.waitFor();
            }
            // its sentinel removes its per-JVM cgroup2 directory once the JVM is gone
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Path own : ResourceSample.ownCgroups()) {
                Path dir = own.resolve("gatun-jvm-" + pid());
                while (Files.exists(dir) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(dir).as("the probe JVM's sentinel directory").doesNotExist();
            }
        }

        private static String classpath() throws Exception {
            List<String> entries = new ArrayList<>();
            for (Class<?> c : List.of(Container.class, FaultProbe.class, HostSnapshot.class,
                    org.opentest4j.AssertionFailedError.class, dev.gatun.namespaces.Namespaces.class,
                    dev.gatun.cgroups.Cgroup.class, dev.gatun.oci.Spec.class, tools.jackson.databind.JsonNode.class,
                    tools.jackson.core.JsonParser.class, com.fasterxml.jackson.annotation.JsonInclude.class,
                    org.slf4j.Logger.class)) {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            }
            return String.join(File.pathSeparator, entries);
        }
    }
}
