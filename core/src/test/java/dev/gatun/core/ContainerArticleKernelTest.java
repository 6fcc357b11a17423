package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.cgroups.UnsupportedLimitException;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each claim the demonstration prints, observed on a real container: a container is a process of
 * the host, PID 1 only in its own namespace, on the host's kernel, in the namespaces it was given,
 * and held by the limits its cgroup enforces.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerArticleKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final Duration QUICK_STOP = Duration.ofMillis(200);

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aContainerIsAProcessOfTheHostAChildOfTheJvmAndPid1Inside() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("proc");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo $$; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            BufferedReader out = Ran.lines(p);
            assertThat(Ran.readLine(out)).isEqualTo("1");

            ProcessHandle host = ProcessHandle.of(p.pid()).orElseThrow();
            assertThat(host.isAlive()).isTrue();
            assertThat(host.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).contains(p.pid());
            // the kernel's own record: the host pid, then the pid in the container's namespace
            String nspid = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
            assertThat(nspid.split("\\s+")).containsExactly("NSpid:", Long.toString(p.pid()), "1");
            assertThat(c.state().pid()).isEqualTo((int) p.pid());
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theInitsChildrenAreHostProcessesWithTwoPidsEach() throws Exception {
        String id = Leftovers.id("tree");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "sleep 30 & sleep 30 & echo $!; wait").build()) {
            ContainerProcess p = c.run();
            String lastChildInside = Ran.readLine(Ran.lines(p));
            List<ProcessHandle> children = awaitChildren(p.toHandle(), 2);
            // a child the shell has forked may not have exec'd sleep yet
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!children.stream().allMatch(ContainerArticleKernelTest::isSleep) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(children).allMatch(ContainerArticleKernelTest::isSleep);
            List<String> nspids = new ArrayList<>();
            for (ProcessHandle child : children) {
                String line = Files.readAllLines(Path.of("/proc/" + child.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
                String[] f = line.split("\\s+");
                assertThat(f).hasSize(3);
                assertThat(f[1]).isEqualTo(Long.toString(child.pid()));
                nspids.add(f[2]);
            }
            assertThat(nspids).contains(lastChildInside).doesNotContain("1");
        }
        Leftovers.assertNoneOf(id);
    }

    private static List<ProcessHandle> awaitChildren(ProcessHandle parent, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<ProcessHandle> children = parent.children().toList();
        while (children.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            children = parent.children().toList();
        }
        assertThat(children).hasSize(count);
        return children;
    }

    @Test
    void unameDoesNotLieTheKernelIsTheHostsTheHostnameIsTheContainers() throws Exception {
        String hostRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Ran r = Ran.of(Container.builder().id(Leftovers.id("uname")).hostname("box")
                .command("/bin/sh", "-c", "uname -r; hostname; uname -n"));
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out().lines()).containsExactly(hostRelease, "box", "box");
        assertThat(hostName).isNotEqualTo("box");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip()).isEqualTo(hostName);
    }

    @Test
    void theInitDiffersFromTheJvmInExactlyTheSixNamespacesItWasGiven() throws Exception {
        String id = Leftovers.id("ns");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            assertThat(Ran.readLine(Ran.lines(p))).isEqualTo("ready");
            NamespaceSet init = NamespaceSet.of(p.pid());
            assertThat(init.differentFrom(NamespaceSet.self())).containsExactlyInAnyOrderElementsOf(EnumSet.of(
                    NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC,
                    NamespaceType.NETWORK, NamespaceType.CGROUP));
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theNetworkNamespaceHasOnlyLoopbackAndItIsUp() throws Exception {
        Ran r = Ran.of(Container.builder().id(Leftovers.id("net"))
                .command("/bin/sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/flags"));
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.out().lines().findFirst()).contains("lo");
        long flags = Long.decode(r.out().lines().skip(1).findFirst().orElseThrow().strip());
        assertThat(flags & 0x1).as("IFF_UP in %x", flags).isEqualTo(1);
    }

    @Test
    void theInitSitsInItsOwnCgroupAndSeesItAsTheRoot() throws Exception {
        String id = Leftovers.id("cgpath");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                // v1's memory hierarchy, or v2's one: each line ends with the cgroup's path
                .command("/bin/sh", "-c", "grep -E ':memory:|^0::' /proc/self/cgroup | head -1; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            String inside = Ran.readLine(Ran.lines(p));
            assertThat(inside).endsWith(Leftovers.ownCgroups().containsKey("") ? "0::/" : ":memory:/");
            String hostView = Files.readAllLines(Path.of("/proc/" + p.pid() + "/cgroup")).stream()
                    .filter(l -> l.contains(":memory:") || l.startsWith("0::")).findFirst().orElseThrow();
            assertThat(hostView).endsWith("/gatun-" + id);
            assertThat(Leftovers.cgroupDirectories(id)).isNotEmpty();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aMemoryLimitIsEnforcedByTheOomKiller() throws Exception {
        String id = Leftovers.id("oom");
        try (Container c = Container.builder().id(id)
                .resources(r -> r.memory("64m").memorySwap("64m"))
                .command("/bin/sh", "-c", "head -c 200m /dev/zero | tail > /dev/null; echo status=$?")
                .redirectErrorStream(true).build()) {
            Ran r = Ran.of(c);
            assertThat(r.out()).as("%s", r).contains("status=137");
            assertThat(c.cgroup().orElseThrow().events().oomKill()).isPositive();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aPidsLimitMakesAForkLoopFail() throws Exception {
        String id = Leftovers.id("pids");
        try (Container c = Container.builder().id(id)
                .resources(r -> r.pidsLimit(10))
                .command("/bin/sh", "-c", "for i in $(seq 20); do sleep 5 & done; echo forked")
                .redirectErrorStream(true).build()) {
            Ran r = Ran.of(c);
            // dash says "Cannot fork", busybox "can't fork": either way the loop ends there
            assertThat(r.out()).as("%s", r).containsIgnoringCase("fork").doesNotContain("forked");
            assertThat(c.cgroup().orElseThrow().events().pidsMax()).isPositive();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theArticlesLimitsAreTheFilesTheKernelHolds() throws Exception {
        Map<String, Path> own = Leftovers.ownCgroups();
        if (own.containsKey("")) {
            theArticlesLimitsOnCgroupV2();
            return;
        }
        Kernel.require(own.containsKey("memory") && own.containsKey("cpu") && own.containsKey("pids")
                && own.containsKey("blkio"), "cgroup v1 memory, cpu, pids and blkio hierarchies (this test reads v1 "
                + "files): " + own.keySet());
        String id = Leftovers.id("limits");
        boolean weighted;
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .resources(r -> r.memory("512m").memorySwap("512m").cpus(1.5).cpuShares(512).pidsLimit(100)
                        .blkioWeight(500))
                .dropUnsupportedLimits(true)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            assertThat(Ran.readLine(Ran.lines(p))).isEqualTo("ready");
            Path memory = own.get("memory").resolve("gatun-" + id);
            Path cpu = own.get("cpu").resolve("gatun-" + id);
            Path pids = own.get("pids").resolve("gatun-" + id);
            assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("536870912");
            assertThat(read(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo("536870912");
            assertThat(read(pids.resolve("pids.max"))).isEqualTo("100");
            assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("150000");
            assertThat(read(cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
            assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo("512");
            // CFQ's blkio.weight is gone since Linux 5.0; BFQ's blkio.bfq.weight takes the same value;
            // a kernel built without BFQ has neither, and there the weight is reported as dropped
            Optional<Path> weight = blkioWeightFile(own.get("blkio").resolve("gatun-" + id));
            weighted = weight.isPresent();
            if (weighted) {
                assertThat(read(weight.orElseThrow())).endsWith("500");
                assertThat(c.droppedLimits()).isEmpty();
            } else {
                assertThat(c.droppedLimits()).singleElement().asString().contains("blockIO.weight");
            }
            assertThat(Files.readAllLines(memory.resolve("cgroup.procs"))).contains(Long.toString(p.pid()));
        }
        Leftovers.assertNoneOf(id);
        if (!weighted) {
            // without dropUnsupportedLimits the same weight is refused at create, naming it
            String strict = Leftovers.id("noweight");
            try (Container c = Container.builder().id(strict).resources(r -> r.blkioWeight(500))
                    .command("/bin/true").build()) {
                assertThatThrownBy(c::create).isInstanceOf(UnsupportedLimitException.class)
                        .hasMessageContaining("blockIO.weight").hasMessageContaining("blkio.weight");
                assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            }
            Leftovers.assertNoneOf(strict);
        }
    }

    /** The same limits on a pure cgroup v2 host, in v2's files and units. */
    private void theArticlesLimitsOnCgroupV2() throws Exception {
        String id = Leftovers.id("limits2");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .resources(r -> r.memory("512m").memorySwap("512m").cpus(1.5).cpuShares(512).pidsLimit(100)
                        .blkioWeight(500))
                .dropUnsupportedLimits(true)
                .command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            assertThat(Ran.readLine(Ran.lines(p))).isEqualTo("ready");
            Path dir = c.cgroup().orElseThrow().directories().get("");
            assertThat(read(dir.resolve("memory.max"))).isEqualTo("536870912");
            // --memory-swap is memory plus swap; v2's swap.max is the swap alone
            assertThat(read(dir.resolve("memory.swap.max"))).isEqualTo("0");
            assertThat(read(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
            // 512 shares through crun's conversion to a weight: ceil(10^((l^2 + 125 l)/612 - 7/34)), l = log2(512)
            assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("59");
            assertThat(read(dir.resolve("pids.max"))).isEqualTo("100");
            // the blkio weight through runc's conversion, 1 + (500 - 10) * 9999 / 990, where the kernel has
            // io.weight (iocost) or io.bfq.weight; reported as dropped where it has neither
            Optional<Path> weight = Stream.of("io.weight", "io.bfq.weight").map(dir::resolve).filter(Files::exists).findFirst();
            if (weight.isPresent()) {
                assertThat(read(weight.get())).contains("4950");
                assertThat(c.droppedLimits()).isEmpty();
            } else {
                assertThat(c.droppedLimits()).singleElement().asString().contains("blockIO.weight");
            }
            assertThat(Files.readAllLines(dir.resolve("cgroup.procs"))).contains(Long.toString(p.pid()));
        }
        Leftovers.assertNoneOf(id);
    }

    /** The blkio weight file of a v1 blkio directory: CFQ's, else BFQ's, else none (a kernel without BFQ). */
    private static Optional<Path> blkioWeightFile(Path blkio) {
        return Stream.of("blkio.weight", "blkio.bfq.weight").map(blkio::resolve).filter(Files::exists).findFirst();
    }

    @Test
    void aLimitTheHostCannotEnforceFailsCreateNamingItOrIsReportedWhenDropped() throws Exception {
        // a page size no architecture has: unenforceable whether or not this host has hugetlb
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("unsupported");
        try (Container c = Container.builder().id(id).resources(r -> r.hugepageLimit("3MB", 3 << 20))
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).isInstanceOf(UnsupportedLimitException.class)
                    .hasMessageContaining("hugepageLimits").hasMessageContaining("hugetlb");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);

        String dropped = Leftovers.id("dropped");
        try (Container c = Container.builder().id(dropped).resources(r -> r.hugepageLimit("3MB", 3 << 20).pidsLimit(7))
                .dropUnsupportedLimits(true).command("/bin/true").build()) {
            Ran r = Ran.of(c);
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(c.droppedLimits()).singleElement().asString().contains("hugetlb");
        }
        Leftovers.assertNoneOf(dropped);
    }

    private static boolean isSleep(ProcessHandle h) {
        return h.info().command().map(cmd -> cmd.endsWith("sleep")).orElse(false);
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file).strip();
    }
}
