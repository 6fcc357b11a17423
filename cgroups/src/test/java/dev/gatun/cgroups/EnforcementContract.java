package dev.gatun.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.HostSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel enforces what the driver wrote: the same specification for v1 (this host) and v2 (the
 * VM lane). Every cgroup is made beneath this JVM's own cgroup, named gatun-test-&lt;pid&gt;-&lt;n&gt;,
 * and removed; the last check proves none is left. Processes are started by the test, held on a
 * {@code read} until they are inside, and ended by pid.
 */
abstract class EnforcementContract {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    static final String PREFIX = "gatun-test-" + ProcessHandle.current().pid() + "-";

    @TempDir
    Path tmp;

    private HostSnapshot before;
    private final List<Cgroup> cgroups = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** The layout under test. */
    abstract CgroupLayout layout() throws IOException;

    /** The CFS period the CPU quota tests use, in µs: the kernel's default, 100 ms. */
    long periodMicros() {
        return Resources.Cpu.DEFAULT_PERIOD;
    }

    /** How far the CPU a quota lets through may stray from the quota: 20 % on real hardware. */
    double quotaTolerance() {
        return 0.2;
    }

    /**
     * A measuring window of whole periods, at least {@code millis} and at least four periods: a
     * quota is spent per period, and the periods counted in the window are whole numbers, so with
     * two 1 s periods (the VM lane) one period more or less shifts the result by half.
     */
    private long window(long millis) {
        long period = periodMicros() / 1000;
        return Math.max(millis, 4 * period) / period * period;
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (Cgroup c : cgroups) {
            if (c.directories().values().stream().anyMatch(Files::exists)) {
                c.killAll();
                c.delete();
            }
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** The final check: no gatun-test-&lt;this pid&gt;-* cgroup is left in any hierarchy. */
    @AfterAll
    static void noTestCgroupRemains() throws IOException {
        CgroupLayout layout = CgroupLayout.detect();
        List<Path> parents = new ArrayList<>();
        layout.unifiedMount().ifPresent(m -> parents.add(m.resolve(layout.unifiedPath().substring(1))));
        layout.v1Mounts().forEach((c, m) -> parents.add(m.resolve(layout.v1Paths().get(c).substring(1))));
        for (Path parent : parents) {
            try (Stream<Path> children = Files.list(parent)) {
                assertThat(children.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX)))
                        .as("test cgroups left under %s", parent).isEmpty();
            }
        }
    }

    Cgroup create(Resources resources) throws IOException {
        Cgroup cgroup = Cgroups.create(layout(), CgroupsPath.parse(PREFIX + COUNTER.incrementAndGet()), null,
                resources, OnUnsupported.FAIL);
        cgroups.add(cgroup);
        return cgroup;
    }

    /** Starts {@code sh -c script} and returns once it is inside {@code cgroup}, before the script runs. */
    Process start(Cgroup cgroup, String script) throws IOException {
        int n = processes.size();
        Process p = new ProcessBuilder("sh", "-c", "read go; " + script)
                .redirectOutput(tmp.resolve("out" + n).toFile()).redirectError(tmp.resolve("err" + n).toFile())
                .start();
        processes.add(p);
        cgroup.addProcess(p.pid());
        try (OutputStream go = p.getOutputStream()) {
            go.write('\n');
        }
        return p;
    }

    String out(int n) throws IOException {
        return Files.readString(tmp.resolve("out" + n));
    }

    String err(int n) throws IOException {
        return Files.readString(tmp.resolve("err" + n));
    }

    @Test
    void aProcessAllocatingPastTheMemoryLimitIsOomKilledAndTheEventIsObserved() throws Exception {
        Cgroup cgroup = create(Resources.builder().memory("64m").memorySwap("64m").build());
        List<CgroupEvents> seen = new CopyOnWriteArrayList<>();

        try (EventWatch watch = cgroup.watch(Duration.ofMillis(20), (old, now) -> seen.add(now))) {
            // tail keeps every byte of a file without newlines: 200 MiB against a 64 MiB limit
            Process p = start(cgroup, "head -c 200m /dev/zero | tail > /dev/null");
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("allocator ended").isTrue();
            assertThat(p.exitValue()).as("pipeline status: tail killed by SIGKILL").isEqualTo(128 + 9);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.stream().noneMatch(e -> e.oomKill() >= 1) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(watch.failure()).isEmpty();
        }
        assertThat(cgroup.events().oomKill()).isGreaterThanOrEqualTo(1);
        assertThat(seen).as("events seen by the listener").anyMatch(e -> e.oomKill() >= 1);
    }

    @Test
    void aPidsLimitOfTenMakesTheEleventhTaskFail() throws Exception {
        Cgroup cgroup = create(Resources.builder().pidsLimit(10).build());

        // the shell is task 1; sleeps 1..9 fit, the 10th fork (the 11th task) is refused
        Process p = start(cgroup, "i=0; while [ $i -lt 20 ]; do sleep 60 & i=$((i+1)); echo started; done");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(out(0).lines().count()).as("children started").isEqualTo(9);
        assertThat(err(0)).containsIgnoringCase("fork");
        assertThat(cgroup.events().pidsMax()).isGreaterThanOrEqualTo(1);
        assertThat(cgroup.stats().pids()).isEqualTo(9);
        cgroup.killAll();
    }

    /**
     * CPU used by a busy loop under {@code limited}'s quota per CFS period that elapsed (cpu.stat
     * nr_periods: the kernel's own unit for a quota, immune to the measuring thread's timing) and,
     * at the same time, CPU per second of wall time used by an unlimited busy loop: the control
     * shows how much one CPU this machine really gave (a VM under TCG on a loaded host gets less
     * than one CPU per vCPU, and no quota can make it more). Both cgroups get the highest weight,
     * so other load on the machine cannot starve them below what is measured.
     */
    private double[] cpusUsed(Cgroup limited, Cgroup control, long millis) throws Exception {
        // start and end right after a period boundary of the limited cgroup, so that both ends
        // cut a period at the same place and the usage between them is whole periods' worth
        CgroupStats l0 = nextPeriod(limited);
        long t0 = System.nanoTime();
        long c0 = control.stats().cpuUsageMicros();
        Thread.sleep(Math.max(0, millis - periodMicros() / 2000));
        CgroupStats l1 = nextPeriod(limited);
        long c1 = control.stats().cpuUsageMicros();
        double wallMicros = (System.nanoTime() - t0) / 1000.0;
        long periods = l1.cpuPeriods() - l0.cpuPeriods();
        assertThat(periods).as("CFS periods elapsed").isPositive();
        return new double[] {(l1.cpuUsageMicros() - l0.cpuUsageMicros()) / (double) (periods * periodMicros()),
            (c1 - c0) / wallMicros};
    }

    /** The cgroup's stats just after its CFS period counter next moves (polled every 2 ms). */
    private CgroupStats nextPeriod(Cgroup cgroup) throws Exception {
        long start = cgroup.stats().cpuPeriods();
        long deadline = System.nanoTime() + 3 * periodMicros() * 1000;
        while (System.nanoTime() < deadline) {
            CgroupStats s = cgroup.stats();
            if (s.cpuPeriods() != start) {
                return s;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("no CFS period ended within three periods: is the busy loop running?");
    }

    private Cgroup controlLoop() throws IOException {
        Cgroup control = create(Resources.builder().cpuShares(262_144).build());
        start(control, "while :; do :; done");
        return control;
    }

    /**
     * The quota is a ceiling: never more than quota + 20 %; and a floor, the quota − 20 %, or 80 %
     * of what the control loop got when the machine gave less than the quota.
     */
    private void assertQuotaHolds(double quota, double[] used, String what) {
        System.out.printf("%s: quota %.2f CPU, busy loop used %.3f CPU per period, "
                + "unlimited control loop %.3f CPU per second%n", what, quota, used[0], used[1]);
        assertThat(used[0])
                .as("%s: CPU per CFS period under a %.2f quota (unlimited control loop: %.3f)", what, quota, used[1])
                .isLessThanOrEqualTo(quota * (1 + quotaTolerance()))
                .isGreaterThanOrEqualTo(Math.min(quota, used[1]) * (1 - quotaTolerance()));
    }

    @Test
    void halfACpuOfQuotaHoldsABusyLoopToHalfACpu() throws Exception {
        Cgroup cgroup = create(Resources.builder().cpuPeriod(periodMicros()).cpus(0.5).cpuShares(262_144).build());
        start(cgroup, "while :; do :; done");
        Cgroup control = controlLoop();
        Thread.sleep(300);

        double[] used = cpusUsed(cgroup, control, window(2000));

        assertQuotaHolds(0.5, used, "cpu quota " + cgroup.version());
        assertThat(cgroup.stats().cpuThrottledPeriods()).as("periods throttled").isPositive();
        cgroup.killAll();
        control.killAll();
    }

    @Test
    void aLiveUpdateChangesTheQuotaOfARunningProcess() throws Exception {
        Cgroup cgroup = create(Resources.builder().cpuPeriod(periodMicros()).cpus(0.2).cpuShares(262_144).build());
        start(cgroup, "while :; do :; done");
        Cgroup control = controlLoop();
        Thread.sleep(300);
        double[] before = cpusUsed(cgroup, control, window(1500));

        cgroup.apply(Resources.builder().cpuPeriod(periodMicros()).cpus(0.6).build());
        // the period in which the quota changed mixes both quotas: measure from the next one
        Thread.sleep(periodMicros() / 1000);
        double[] after = cpusUsed(cgroup, control, window(1500));

        assertQuotaHolds(0.2, before, "before the live update");
        assertQuotaHolds(0.6, after, "after the live update");
        cgroup.killAll();
        control.killAll();
    }

    @Test
    void podmanFlagsAreAcceptedByTheKernelAndReadBack() throws Exception {
        Cgroup cgroup = create(Resources.builder().memory("512m").memorySwap("1g").cpus(1.5).cpuShares(512)
                .pidsLimit(100).build());
        var d = cgroup.directories();

        if (cgroup.version() == CgroupVersion.V2) {
            Path dir = d.get("");
            assertThat(dir.resolve("memory.max")).content().isEqualToIgnoringNewLines("536870912");
            assertThat(dir.resolve("memory.swap.max")).content().isEqualToIgnoringNewLines("536870912");
            assertThat(dir.resolve("cpu.max")).content().isEqualToIgnoringNewLines("150000 100000");
            assertThat(dir.resolve("cpu.weight")).content().isEqualToIgnoringNewLines("59");
            assertThat(dir.resolve("pids.max")).content().isEqualToIgnoringNewLines("100");
        } else {
            assertThat(d.get("memory").resolve("memory.limit_in_bytes")).content().isEqualToIgnoringNewLines("536870912");
            assertThat(d.get("memory").resolve("memory.memsw.limit_in_bytes")).content()
                    .isEqualToIgnoringNewLines("1073741824");
            assertThat(d.get("cpu").resolve("cpu.cfs_quota_us")).content().isEqualToIgnoringNewLines("150000");
            assertThat(d.get("cpu").resolve("cpu.shares")).content().isEqualToIgnoringNewLines("512");
            assertThat(d.get("pids").resolve("pids.max")).content().isEqualToIgnoringNewLines("100");
        }
    }

    @Test
    void freezingStopsACounterAndThawingResumesIt() throws Exception {
        Cgroup cgroup = create(Resources.NONE);
        Path counter = tmp.resolve("counter");
        start(cgroup, "i=0; while :; do i=$((i+1)); echo $i > " + counter + "; done");
        long running = awaitCount(counter, 1);

        cgroup.freeze();
        assertThat(cgroup.events().frozen()).isTrue();
        String frozen = Files.readString(counter);
        Thread.sleep(500);
        assertThat(Files.readString(counter)).as("counter while frozen").isEqualTo(frozen);

        cgroup.thaw();
        assertThat(cgroup.events().frozen()).isFalse();
        assertThat(awaitCount(counter, Math.max(running, parse(frozen)) + 1)).isPositive();
        cgroup.killAll();
    }

    private static long parse(String text) {
        // the shell truncates and rewrites the file as it counts: a read may catch it between the
        // two (empty) or see bytes of two writes; the last run of digits is the count read
        String[] digits = text.replaceAll("[^0-9]+", " ").strip().split(" ");
        return digits[digits.length - 1].isEmpty() ? 0 : Long.parseLong(digits[digits.length - 1]);
    }

    /** Waits until the counter file shows at least {@code min}; fails after 10 s. */
    private static long awaitCount(Path counter, long min) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(counter) ? Files.readString(counter) : "";
            if (!text.isBlank() && text.endsWith("\n") && parse(text) >= min) {
                return parse(text);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("counter " + counter + " never reached " + min);
    }

    @Test
    void killAllEndsEveryProcessInside() throws Exception {
        Cgroup cgroup = create(Resources.NONE);
        List<Process> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            started.add(start(cgroup, "sleep 300 & sleep 300 & wait"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cgroup.processes().size() < 9 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(cgroup.processes()).hasSize(9);

        cgroup.killAll();

        assertThat(cgroup.processes()).isEmpty();
        assertThat(cgroup.events().populated()).isFalse();
        for (Process p : started) {
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(128 + 9);
        }
    }

    @Test
    void deleteLeavesNothingInAnyHierarchy() throws Exception {
        Cgroup cgroup = create(Resources.builder().pidsLimit(50).memory("32m").build());
        Process p = start(cgroup, "sleep 300");
        assertThatThrownBy(cgroup::delete).isInstanceOf(IllegalStateException.class).hasMessageContaining("killAll");

        cgroup.killAll();
        p.waitFor(10, TimeUnit.SECONDS);
        cgroup.delete();

        assertThat(cgroup.directories().values()).isNotEmpty().allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void destroyKillsWhatIsInsideBelowToTheChildCgroupsAndRemovesItAll() throws Exception {
        Cgroup cgroup = create(Resources.builder().pidsLimit(50).build());
        Process p = start(cgroup, "sleep 300 & sleep 300 & wait");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cgroup.processes().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(cgroup.processes()).hasSize(3);
        // a child cgroup the container made (systemd does): the first rmdir is EBUSY for it too
        for (Path dir : cgroup.directories().values()) {
            Files.createDirectory(dir.resolve("inner"));
        }

        cgroup.destroy();

        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 9);
        assertThat(cgroup.directories().values()).isNotEmpty().allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void destroyOfAnEmptyCgroupRemovesIt() throws Exception {
        Cgroup cgroup = create(Resources.builder().pidsLimit(50).memory("32m").build());
        Process p = start(cgroup, "true");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();

        cgroup.destroy();

        assertThat(cgroup.directories().values()).isNotEmpty().allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void aValueTheKernelRefusesFailsTheCreateAndRemovesTheCgroup() throws Exception {
        CgroupsPath path = CgroupsPath.parse(PREFIX + COUNTER.incrementAndGet());
        Resources r = Resources.builder().pidsLimit(5).cpusetCpus("4095").build();

        assertThatThrownBy(() -> Cgroups.create(layout(), path, null, r, OnUnsupported.FAIL))
                .isInstanceOf(CgroupFileException.class).hasMessageContaining("cpuset.cpus")
                .hasMessageContaining("\"4095\"");
        // noTestCgroupRemains proves no directory of it is left in any hierarchy
    }
}
