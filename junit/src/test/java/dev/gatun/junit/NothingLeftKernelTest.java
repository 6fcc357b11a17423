package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** After a {@link Gatun @Gatun} class has run, none of its containers is left: no process, fd, mount, cgroup or thread. */
@KernelTest
class NothingLeftKernelTest {

    @Test
    void theExampleClassPassesAndLeavesNothingBehind() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "needs a static /bin/busybox (Debian package busybox-static)");
        try (ServerSocket warm = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> { }).join(); // the JDK's long-lived fds of first use
        }
        HostSnapshot before = HostSnapshot.take();

        EngineTestKit.engine("junit-jupiter").selectors(selectClass(WebServerExampleKernelTest.class)).execute()
                .testEvents().assertStatistics(s -> s.started(3).succeeded(3).failed(0));

        HostSnapshot.take().assertNoLeaksSince(before, java.time.Duration.ofSeconds(3));
        assertThat(cgroupDirsOfThisJvmsContainers()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("gatun-junit-logs-") || n.startsWith("gatun-netns-"));
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(tmp.map(p -> p.getFileName().toString())).as("copied-in files")
                    .noneMatch(n -> n.startsWith("gatun-junit-junit" + ProcessHandle.current().pid() + "-"));
        }
    }

    /** Directories in any cgroup hierarchy named with this JVM's container id prefix. */
    private static List<Path> cgroupDirsOfThisJvmsContainers() throws Exception {
        String prefix = "junit" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.find(Path.of("/sys/fs/cgroup"), 8,
                (p, a) -> a.isDirectory() && p.getFileName().toString().contains(prefix))) {
            return s.toList();
        }
    }
}
