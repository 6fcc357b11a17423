package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many containers, one after another and at once: nothing leaks (fds, children, mounts, cgroups,
 * state directories). Bounded by the system property {@code gatun.stress.cycles} (default 1000)
 * and a time budget, so that a slow shared host reports how far it got instead of hanging CI.
 */
@KernelTest
class ContainerStressKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final int CYCLES = Integer.getInteger("gatun.stress.cycles", 1000);
    private static final Duration BUDGET = Duration.ofMinutes(4);

    @TempDir
    Path tmp;

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aThousandSequentialCreateStartWaitDeleteCyclesLeakNothing() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        // warm up once, so that lazily opened fds (the executor page, loggers) are in the baseline
        cycle(rootfs, Leftovers.id("warm"));
        HostSnapshot before = HostSnapshot.take();
        long start = System.nanoTime();
        int done = 0;
        while (done < CYCLES && System.nanoTime() - start < BUDGET.toNanos()) {
            String id = Leftovers.id("seq");
            cycle(rootfs, id);
            done++;
            if (done % 100 == 0) {
                assertThat(Leftovers.of(id)).isEmpty();
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.err.printf("ContainerStressKernelTest: %d sequential cycles in %d ms (%.1f ms each)%n", done, millis,
                (double) millis / done);
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
        assertThat(Leftovers.ofThisRun()).isEmpty();
        assertThat(done).as("cycles within %s (set -Dgatun.stress.cycles lower on a slow host)", BUDGET)
                .isEqualTo(CYCLES);
    }

    @Test
    void fiftyContainersRunAtOnceStartedFromEightThreads() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        cycle(rootfs, Leftovers.id("warm"));
        HostSnapshot before = HostSnapshot.take();
        int count = 50;
        List<Container> containers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            containers.add(Container.builder().id(Leftovers.id("par")).rootfs(rootfs).stopTimeout(Duration.ofMillis(100))
                    .resources(r -> r.pidsLimit(20).memory("32m"))
                    .command("/bin/sh", "-c", "read go; echo $$ $go").build());
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ContainerProcess>> started = new ArrayList<>();
            for (Container c : containers) {
                started.add(pool.submit(c::run));
            }
            List<ContainerProcess> running = new ArrayList<>();
            for (Future<ContainerProcess> f : started) {
                running.add(f.get(2, TimeUnit.MINUTES));
            }
            // all fifty exist at the same moment: each waits for its line on stdin
            assertThat(running).allMatch(ContainerProcess::isAlive);
            assertThat(running.stream().map(ContainerProcess::pid).distinct()).hasSize(count);
            CountDownLatch finished = new CountDownLatch(count);
            List<Future<String>> outputs = new ArrayList<>();
            for (ContainerProcess p : running) {
                outputs.add(pool.submit(() -> {
                    try {
                        p.getOutputStream().write("go\n".getBytes());
                        p.getOutputStream().close();
                        String out = Ran.readAll(p.getInputStream());
                        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                        assertThat(p.exitValue()).isZero();
                        return out;
                    } finally {
                        finished.countDown();
                    }
                }));
            }
            for (Future<String> f : outputs) {
                assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo("1 go\n");
            }
            assertThat(finished.await(1, TimeUnit.MINUTES)).isTrue();
            List<Future<?>> deleted = new ArrayList<>();
            for (Container c : containers) {
                deleted.add(pool.submit(() -> {
                    c.close();
                    return null;
                }));
            }
            for (Future<?> f : deleted) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            for (Container c : containers) {
                c.close();
            }
        }
        System.err.printf("ContainerStressKernelTest: %d parallel containers from 8 threads in %d ms%n", count,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        for (Container c : containers) {
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            Leftovers.assertNoneOf(c.id());
        }
        HostSnapshot.take().assertNoLeaksSince(before, Duration.ofSeconds(5));
    }

    /** One container's whole life: create, start, wait, delete. */
    private static void cycle(Path rootfs, String id) throws Exception {
        try (Container c = Container.builder().id(id).rootfs(rootfs).redirectOutput(java.lang.ProcessBuilder.Redirect.DISCARD)
                .redirectError(java.lang.ProcessBuilder.Redirect.DISCARD).command("/bin/true").build()) {
            c.create();
            ContainerProcess p = c.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            c.delete();
        }
    }
}
