package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.gatun.core.Gatun;
import dev.gatun.images.ImageStore;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * No container survives its test JVM: not when the class ends (in this JVM), and not when the
 * JVM is SIGKILLed mid-test (a forked one): its containers' processes die at once (Gatun's
 * sentinel, no Ryuk), what they left on the host — cgroups, state directories, mounts — goes
 * with the next JVM's sweep, and the copies of files copied in are gone already.
 */
@KernelTest
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NothingLeftKernelTest {

    @TempDir
    Path tmp;

    @Test
    void theExampleClassPassesAndLeavesNothingBehind() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "needs a static busybox (Debian package busybox-static)");
        // a first run makes what lives as long as the JVM (Gatun's sentinel and warm-up, the JDK's
        // pollers): the second must leave nothing
        runTheExample();
        HostSnapshot before = HostSnapshot.take();

        runTheExample();

        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(3));
        assertThat(cgroupDirsNaming("junit" + ProcessHandle.current().pid() + "-")).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("gatun-junit-logs-"));
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.map(p -> p.getFileName().toString())).as("copied-in files")
                    .noneMatch(n -> n.startsWith("gatun-junit-junit" + ProcessHandle.current().pid() + "-"));
        }
    }

    private static void runTheExample() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(WebServerExampleKernelTest.class))
                .execute().testEvents();
        assertThat(tests.failed().stream().map(e -> e.getTestDescriptor().getDisplayName() + ": "
                + e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).map(Throwable::toString).orElse("?"))
                .toList()).as("the example's failures").isEmpty();
        tests.assertStatistics(s -> s.started(3).succeeded(3).failed(0));
    }

    @Test
    void aSigkilledTestJvmLeavesNoContainerProcessCgroupOrMount() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "needs a static busybox (Debian package busybox-static)");
        Path layout = OciLayoutBuilder.create().layer(BusyboxRootfs.create(tmp.resolve("base"))).write(tmp.resolve("layout"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path tree;
        Process jvm = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData",
                "-Dgatun.test.layout=" + layout, "-Dgatun.test.store=" + tmp.resolve("store"),
                "-Dgatun.test.file=" + Files.writeString(tmp.resolve("copied"), "copied in\n"),
                "-cp", System.getProperty("java.class.path"), KilledJvm.class.getName())
                .redirectErrorStream(true).start();
        Map<String, Long> containers = new LinkedHashMap<>(); // id -> init pid
        StringBuilder output = new StringBuilder();
        try {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the JVM is gone
                }
                lines.add("<end>");
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (String l; !"held".equals(l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)); ) {
                assertThat(l).as("the forked JVM's output so far:\n" + output).isNotNull().isNotEqualTo("<end>");
                output.append(l).append('\n');
                if (l.startsWith("container ")) {
                    String[] f = l.split(" ");
                    containers.put(f[1], Long.parseLong(f[2]));
                }
            }
            assertThat(containers).as(output.toString()).hasSize(3);
            assertThat(output).as("the sandbox container's copied file").contains("copied in\n");
            for (Map.Entry<String, Long> c : containers.entrySet()) {
                assertThat(running(c.getValue())).as("container " + c.getKey() + " runs before the kill").isTrue();
                assertThat(cgroupDirsNaming(c.getKey())).as("container " + c.getKey() + "'s cgroups before the kill").isNotEmpty();
            }
            assertThat(mountsNaming(containers.keySet())).as("the image container's overlay root").isNotEmpty();
            // the image container holds its image: removed from the store, its tree outlives a gc here
            ImageStore.StoredImage image = store.images().getFirst();
            tree = store.root().resolve("rootfs/sha256").resolve(image.chainId().hex());
            assertThat(store.remove(image.id().toString())).containsExactly(image.id().toString());
            assertThat(store.gc().trees()).as("trees collected while the image container runs").isZero();
            assertThat(tree.resolve("bin/busybox")).isRegularFile();
        } finally {
            jvm.destroyForcibly(); // SIGKILL, to this pid only: no Java runs in it any more
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(jvm.exitValue()).isEqualTo(128 + 9);

        // the sentinel kills the containers at the JVM's death: nothing in this JVM helps it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (containers.values().stream().anyMatch(NothingLeftKernelTest::running) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (Map.Entry<String, Long> c : containers.entrySet()) {
            assertThat(running(c.getValue())).as("container " + c.getKey() + "'s init (pid " + c.getValue() + ") after the kill").isFalse();
        }

        // what the dead JVM's containers left on the host goes with the next JVM's sweep
        var swept = Gatun.sweep();
        for (String id : containers.keySet()) {
            assertThat(cgroupDirsNaming(id)).as("container " + id + "'s cgroups; " + swept).isEmpty();
            assertThat(stateDirectory().resolve(id)).as("container " + id + "'s state directory; " + swept).doesNotExist();
        }
        assertThat(mountsNaming(containers.keySet())).isEmpty();
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the copies of files copied in")
                    .noneMatch(n -> n.startsWith("gatun-junit-junit" + jvm.pid() + "-"));
        }
        assertThat(cgroupDirsNaming("gatun-jvm-" + jvm.pid() + "-")).as("the dead JVM's sentinel directory").isEmpty();
        // its hold died with it: the next gc takes the tree
        assertThat(store.gc().trees()).as("trees collected after the kill").isEqualTo(1);
        assertThat(tree).doesNotExist();
    }

    /** Whether {@code pid} is a process that is not a zombie (init here may be slow to reap, or never). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Directories in any cgroup hierarchy whose name contains {@code part}. */
    private static List<Path> cgroupDirsNaming(String part) throws IOException {
        try (Stream<Path> s = Files.find(Path.of("/sys/fs/cgroup"), 8,
                (p, a) -> a.isDirectory() && p.getFileName().toString().contains(part))) {
            return s.toList();
        }
    }

    /** This mount namespace's mount points whose path names one of {@code ids}. */
    private static List<String> mountsNaming(java.util.Collection<String> ids) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> ids.stream().anyMatch(id -> m.contains("/" + id + "/") || m.endsWith("/" + id))).toList();
    }

    /** Gatun's state directory for root (SandboxRoot.stateDirectory, package-private in core). */
    private static Path stateDirectory() {
        return Path.of("/run/gatun");
    }
}
