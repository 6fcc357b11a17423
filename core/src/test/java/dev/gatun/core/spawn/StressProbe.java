package dev.gatun.core.spawn;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.linux.Structs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Probe for {@link SpawnStressTest}, run in its own JVM (so the test picks the collector):
 * {@code args[0]} spawns from two threads, a quarter of them handshakes, while one thread
 * allocates heavily and another forces safepoints ({@code Thread.getAllStackTraces}) and GCs.
 * A watchdog halts the JVM with exit code 2 and a thread dump after 30 s without a finished spawn.
 * Prints {@code OK ...} and exits 0 when all spawns exited 0, no fd and no child is left.
 */
public final class StressProbe {

    private static final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private static final AtomicInteger done = new AtomicInteger();
    private static final AtomicLong forcedGcs = new AtomicLong();
    private static final AtomicLong safepoints = new AtomicLong();
    private static volatile boolean running = true;

    private StressProbe() {}

    public static void main(String[] args) throws Exception {
        int total = Integer.parseInt(args[0]);
        List<String> env = List.of("PATH=/bin");
        Program vfork = Program.builder().closeRangeCloexec(3).unblockSignals()
                .execve("/bin/true", List.of("true"), env).build();
        Program handshake = Program.builder().awaitParent().closeRangeCloexec(3).unblockSignals()
                .execve("/bin/true", List.of("true"), env).build();
        Spawner.get().spawn(vfork, SpawnOptions.defaults()).waitFor(); // warm: threads, epoll fd
        long fdsBefore = fdCount();
        long start = System.nanoTime();
        Thread.ofPlatform().daemon().name("allocator").start(StressProbe::allocate);
        Thread.ofPlatform().daemon().name("safepoints").start(StressProbe::hammer);
        Thread.ofPlatform().daemon().name("watchdog").start(StressProbe::watch);
        Thread[] spawners = new Thread[2];
        AtomicInteger next = new AtomicInteger();
        for (int t = 0; t < spawners.length; t++) {
            spawners[t] = Thread.ofPlatform().name("caller-" + t).start(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        SpawnedProcess p;
                        if (i % 4 == 3) {
                            try (Handshake h = Spawner.get().start(handshake, SpawnOptions.defaults())) {
                                h.release();
                                p = h.awaitExec();
                            }
                        } else {
                            p = Spawner.get().spawn(vfork, SpawnOptions.defaults());
                        }
                        ExitStatus status = p.waitFor();
                        if (status.code() != 0) {
                            System.out.println("FAIL spawn " + i + " ended with " + status);
                            Runtime.getRuntime().halt(3);
                        }
                        done.incrementAndGet();
                        lastProgress.set(System.nanoTime());
                    }
                } catch (Exception e) {
                    e.printStackTrace(System.out);
                    Runtime.getRuntime().halt(4);
                }
            });
        }
        for (Thread t : spawners) {
            t.join();
        }
        running = false;
        long fdsAfter = fdCount();
        boolean noChildren = noChildren();
        long gcs = forcedGcs.get();
        System.out.printf("%s spawns=%d seconds=%.1f forced-gcs=%d safepoints=%d fds=%d->%d children=%s watched=%d%n",
                fdsAfter == fdsBefore && noChildren && Reaper.get().watchedCount() == 0 ? "OK" : "LEAK",
                done.get(), (System.nanoTime() - start) / 1e9, gcs, safepoints.get(), fdsBefore, fdsAfter, noChildren ? "none" : "some",
                Reaper.get().watchedCount());
    }

    private static void allocate() {
        Object[] live = new Object[512];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running) {
            live[random.nextInt(live.length)] = new byte[random.nextInt(1, 64 * 1024)];
        }
    }

    private static void hammer() {
        for (int i = 0; running; i++) {
            Map<Thread, StackTraceElement[]> traces = Thread.getAllStackTraces(); // a safepoint each
            if (traces.isEmpty()) {
                throw new IllegalStateException();
            }
            safepoints.incrementAndGet();
            if (i % 50 == 0) {
                System.gc();
                forcedGcs.incrementAndGet();
            }
        }
    }

    private static void watch() {
        while (running) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (System.nanoTime() - lastProgress.get() > 30_000_000_000L) {
                System.out.println("HANG: no spawn finished for 30 s after " + done.get());
                Thread.getAllStackTraces().forEach((t, st) -> {
                    System.out.println(t);
                    for (StackTraceElement e : st) {
                        System.out.println("    at " + e);
                    }
                });
                Runtime.getRuntime().halt(2);
            }
        }
    }

    private static long fdCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static boolean noChildren() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            LibC.waitid(LibC.P_ALL, 0, arena.allocate(Structs.SIGINFO_SIZE, 8), LibC.WEXITED | LibC.WNOHANG | 0x1000000);
            return false;
        } catch (ErrnoException e) {
            return e.errno() == Errno.ECHILD;
        }
    }
}
