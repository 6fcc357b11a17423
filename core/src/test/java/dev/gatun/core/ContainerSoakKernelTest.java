package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.Resources;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.ResourceSample;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: many mixed container lifecycles from eight threads, with the resources a leak would
 * grow sampled before, during and after, and asserted flat at the end (see {@link #flatness}).
 *
 * <p>Every lifecycle the public API has, in turn ({@link Kind}): create+start+wait+delete; create
 * then delete (the created init is killed); SIGKILL while running; pause, resume and update through
 * the container's cgroup while running (Container has no pause/resume/update/exec of its own);
 * SIGKILL while created; output read through the stdout pipe; the default sandbox root (a
 * directory under the state directory, no rootfs given); a task in the container's network
 * namespace.
 *
 * <p>{@code -Dgatun.soak.lifecycles=N} (default 1,000: the CI size, about a minute on two loaded
 * cores) and {@code -Dgatun.soak.report=FILE.md} (writes the report and {@code FILE.csv}, the raw
 * samples, beside it): {@code bench/soak.sh} runs the 10,000 this way.
 */
@KernelTest
class ContainerSoakKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final int LIFECYCLES = Integer.getInteger("gatun.soak.lifecycles", 1000);
    private static final int THREADS = 8;
    private static final long SAMPLE_EVERY_MS = Long.getLong("gatun.soak.sampleMillis", 5000);
    private static final String PREFIX = Leftovers.PREFIX + "soak-";

    /** The lifecycles of the mix, run in turn. */
    enum Kind {
        RUN_TO_EXIT, CREATE_DELETE, KILL_RUNNING, PAUSE_RESUME_UPDATE, KILL_CREATED, READ_OUTPUT, SANDBOX_ROOT,
        NETWORK_NAMESPACE_TASK
    }

    @TempDir
    Path tmp;

    @Test
    void mixedLifecyclesFromEightThreadsLeaveEveryResourceFlat() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        String started = Instant.now().toString();
        double[] loadBefore = loadAverage();
        // warm up every kind once, so that what is opened once per JVM (the executor page, the
        // sentinel, the reaper, loggers, the network namespace thread's classes) is in the baseline
        AtomicInteger ids = new AtomicInteger();
        for (Kind k : Kind.values()) {
            lifecycle(k, rootfs, PREFIX + "warm-" + ids.incrementAndGet());
        }
        HostSnapshot snapshotBefore = HostSnapshot.take();
        ResourceSample before = ResourceSample.take(PREFIX);
        List<String> samples = Collections.synchronizedList(new ArrayList<>());
        samples.add(row("before", before));

        AtomicInteger next = new AtomicInteger();
        AtomicIntegerArray done = new AtomicIntegerArray(Kind.values().length);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Thread sampler = Thread.ofPlatform().name("soak-sampler").start(() -> {
            try {
                while (true) {
                    Thread.sleep(SAMPLE_EVERY_MS);
                    samples.add(row("during", ResourceSample.take(PREFIX)));
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        });
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < LIFECYCLES; ) {
                    Kind k = Kind.values()[i % Kind.values().length];
                    String id = PREFIX + k.ordinal() + "-" + i;
                    try {
                        lifecycle(k, rootfs, id);
                        done.incrementAndGet(k.ordinal());
                    } catch (Exception | AssertionError e) {
                        if (failed.incrementAndGet() <= 10) {
                            failures.add(k + " " + id + ": " + e);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        sampler.interrupt();
        sampler.join();

        // the JDK closes a reaped process's fds and a worker its netns thread a moment later: give
        // the counts a few seconds to come back before they count as grown
        ResourceSample after = ResourceSample.take(PREFIX);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!flatness(before, after).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            after = ResourceSample.take(PREFIX);
        }
        samples.add(row("after", after));
        double[] loadAfter = loadAverage();
        System.err.printf("ContainerSoakKernelTest: %d lifecycles from %d threads in %d ms; before %s; after %s%n",
                LIFECYCLES, THREADS, millis, before, after);

        String report = System.getProperty("gatun.soak.report");
        if (report != null) {
            writeReport(Path.of(report), started, millis, done, failed.get(), failures, before, after, samples,
                    loadBefore, loadAfter);
        }
        assertThat(failures).as("lifecycles that failed (%d in all; first ten shown)", failed.get()).isEmpty();
        assertThat(flatness(before, after)).as("resources grown over %d lifecycles", LIFECYCLES).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(snapshotBefore, Duration.ofSeconds(5));
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    /**
     * What grew: every owned resource must end where it started, exactly — each is an object a
     * container holds (an fd, a mount, a cgroup directory, a namespace, a child) and the baseline
     * is taken after every kind ran once — except two that the JVM itself moves:
     * <ul>
     *   <li>threads: up to the common fork-join pool's parallelism plus one. The pidfd exit
     *       futures' dependent stages may start common-pool workers, which idle out only after 60 s;
     *       a leak of one thread per container would show as thousands.
     *   <li>heap after a full GC: up to 4 MiB. Caches the JDK fills on first use of a code path
     *       (method handle forms, lambda classes' constants) grow a little after the warm-up; a
     *       leak of one {@code Container} object graph (several KiB) per lifecycle would show as
     *       tens of MiB over a thousand.
     * </ul>
     */
    static List<String> flatness(ResourceSample before, ResourceSample after) {
        List<String> grown = new ArrayList<>();
        Map<String, Long> tolerance = new LinkedHashMap<>();
        tolerance.put("threads", (long) java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1);
        tolerance.put("heap after GC (bytes)", 4L << 20);
        Map<String, Long> b = before.owned();
        Map<String, Long> a = after.owned();
        for (String name : b.keySet()) {
            long allowed = tolerance.getOrDefault(name, 0L);
            if (a.get(name) > b.get(name) + allowed) {
                grown.add(name + ": " + b.get(name) + " -> " + a.get(name) + " (tolerance " + allowed + ")");
            }
        }
        return grown;
    }

    /** One lifecycle of kind {@code k}; fails (throws) unless it went as that kind should. */
    static void lifecycle(Kind k, Path rootfs, String id) throws Exception {
        ContainerBuilder b = Container.builder().id(id).stopTimeout(Duration.ofMillis(200))
                .redirectError(Redirect.DISCARD);
        if (k != Kind.SANDBOX_ROOT) {
            b.rootfs(rootfs);
        }
        switch (k) {
            case RUN_TO_EXIT, SANDBOX_ROOT -> b.command("/bin/true").redirectOutput(Redirect.DISCARD);
            case READ_OUTPUT -> b.command("/bin/echo", id);
            default -> b.command("/bin/sleep", "60").redirectOutput(Redirect.DISCARD);
        }
        try (Container c = b.build()) {
            c.create();
            switch (k) {
                case CREATE_DELETE -> { } // close() kills the created init and deletes
                case KILL_CREATED -> {
                    c.kill(9);
                    awaitDeath(c.state().pid());
                }
                case RUN_TO_EXIT, SANDBOX_ROOT -> expectExit(c.start(), 0);
                case READ_OUTPUT -> {
                    ContainerProcess p = c.start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    expectExit(p, 0);
                    if (!out.equals(id + "\n")) {
                        throw new AssertionError("container " + id + " wrote " + out);
                    }
                }
                case KILL_RUNNING -> {
                    ContainerProcess p = c.start();
                    c.kill(9);
                    expectExit(p, 128 + 9);
                }
                case PAUSE_RESUME_UPDATE -> {
                    ContainerProcess p = c.start();
                    var cg = c.cgroup().orElseThrow();
                    cg.freeze();
                    cg.thaw();
                    cg.apply(Resources.builder().pidsLimit(64).build());
                    c.stats();
                    c.kill(9);
                    expectExit(p, 128 + 9);
                }
                case NETWORK_NAMESPACE_TASK -> {
                    ContainerProcess p = c.start();
                    int port = c.callInNetworkNamespace(() -> {
                        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                            return s.getLocalPort();
                        }
                    });
                    if (port <= 0) {
                        throw new AssertionError("no port in container " + id + "'s network namespace");
                    }
                    c.kill(9);
                    expectExit(p, 128 + 9);
                }
            }
        }
        if (!Leftovers.of(id).isEmpty()) {
            throw new AssertionError("container " + id + " left " + Leftovers.of(id));
        }
    }

    private static void expectExit(ContainerProcess p, int value) throws InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("container " + p.container().id() + " still runs after 60 s");
        }
        if (p.exitValue() != value) {
            throw new AssertionError("container " + p.container().id() + " exited with " + p.exitValue()
                    + ", expected " + value);
        }
    }

    private static void awaitDeath(Integer pid) throws InterruptedException {
        // the JVM's child, reaped by the reaper thread: gone from /proc/<pid>/stat once reaped
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("created init " + pid + " alive 30 s after SIGKILL");
            }
            Thread.sleep(5);
        }
    }

    private static String row(String phase, ResourceSample s) {
        double[] load = loadAverage();
        return phase + "," + s.csv() + "," + load[0];
    }

    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException e) {
            return new double[] {-1, -1, -1};
        }
    }

    private static void writeReport(Path md, String started, long millis, AtomicIntegerArray done, int failed,
            ConcurrentLinkedQueue<String> failures, ResourceSample before, ResourceSample after, List<String> samples,
            double[] loadBefore, double[] loadAfter) throws IOException {
        String csvName = md.getFileName().toString().replaceFirst("\\.md$", "") + ".csv";
        List<String> csv = new ArrayList<>();
        csv.add("phase," + ResourceSample.CSV_HEADER + ",load1");
        synchronized (samples) {
            csv.addAll(samples);
        }
        Files.write(md.resolveSibling(csvName), csv);
        double maxLoad = 0;
        for (String line : csv.subList(1, csv.size())) {
            maxLoad = Math.max(maxLoad, Double.parseDouble(line.substring(line.lastIndexOf(',') + 1)));
        }
        StringBuilder r = new StringBuilder();
        r.append("# Soak: ").append(LIFECYCLES).append(" mixed container lifecycles from ").append(THREADS)
                .append(" threads, ").append(LocalDate.now(ZoneOffset.UTC)).append("\n\n");
        r.append("Harness: `bench/soak.sh ").append(LIFECYCLES).append("` (core's `ContainerSoakKernelTest`"
                + " with `-Dgatun.soak.lifecycles=").append(LIFECYCLES).append("`), its JVM in a private mount"
                + " namespace. Raw samples (one every ").append(SAMPLE_EVERY_MS / 1000).append(" s, each after a full"
                + " GC): [`").append(csvName).append("`](").append(csvName).append(").\n\n");
        r.append("| | |\n|---|---|\n");
        r.append("| started (UTC) | ").append(started).append(" |\n");
        r.append("| commit | ").append(System.getProperty("gatun.soak.commit", "?")).append(" |\n");
        r.append("| JVM | ").append(System.getProperty("java.vm.vendor")).append(' ')
                .append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version()).append(" |\n");
        r.append("| kernel | ").append(Gatun.kernelRelease()).append(' ').append(System.getProperty("os.arch"))
                .append(" |\n");
        r.append("| CPUs | ").append(Runtime.getRuntime().availableProcessors())
                .append(" (shared with other engineers' builds and tests) |\n");
        r.append("| load average before (1/5/15 min) | ").append(fmt(loadBefore)).append(" |\n");
        r.append("| load average after | ").append(fmt(loadAfter)).append(" |\n");
        r.append("| highest 1-min load in the samples | ").append(maxLoad).append(" |\n");
        r.append("| duration | ").append(String.format("%.1f s (%.2f ms per lifecycle, %d in parallel)",
                millis / 1000.0, (double) millis / LIFECYCLES, THREADS)).append(" |\n");
        r.append("| failed lifecycles | ").append(failed).append(" |\n\n");
        r.append("## Lifecycles\n\n| kind | completed |\n|---|---|\n");
        for (Kind k : Kind.values()) {
            r.append("| ").append(k).append(" | ").append(done.get(k.ordinal())).append(" |\n");
        }
        if (!failures.isEmpty()) {
            r.append("\nFirst failures:\n\n");
            for (String f : failures) {
                r.append("- `").append(f.replace('`', '\'')).append("`\n");
            }
        }
        r.append("\n## Resources: before (after a warm-up of each kind) and after\n\n");
        r.append("| resource | before | after | verdict |\n|---|---|---|---|\n");
        List<String> grown = flatness(before, after);
        for (Map.Entry<String, Long> e : before.owned().entrySet()) {
            boolean bad = grown.stream().anyMatch(g -> g.startsWith(e.getKey() + ":"));
            r.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" | ")
                    .append(after.owned().get(e.getKey())).append(" | ").append(bad ? "**grew**" : "flat").append(" |\n");
        }
        r.append("| (host-wide, for the record) cgroup directories below the JVM's cgroups | ")
                .append(before.cgroupDirsAll()).append(" | ").append(after.cgroupDirsAll()).append(" | – |\n");
        r.append("| (host-wide, for the record) distinct network namespaces of all processes | ")
                .append(before.netnsHost()).append(" | ").append(after.netnsHost()).append(" | – |\n");
        r.append("\nTolerances (see `ContainerSoakKernelTest.flatness`): exact for everything a container"
                + " holds (fds, mounts, cgroup directories, network namespaces, children, zombies); threads"
                + " up to the common pool's parallelism + 1 (idle common-pool workers live 60 s); heap after"
                + " GC up to 4 MiB (JDK caches filled on first use).\n");
        Files.writeString(md, r.toString());
    }

    private static String fmt(double[] load) {
        return load[0] + " / " + load[1] + " / " + load[2];
    }
}
