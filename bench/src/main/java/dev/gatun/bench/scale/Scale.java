package dev.gatun.bench.scale;

import dev.gatun.bench.cold.ColdStart;
import dev.gatun.core.Container;
import java.lang.ProcessBuilder.Redirect;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java side of the scale benchmark ({@code bench/scale.sh}): N default containers running
 * {@code sleep} at once in one JVM.
 *
 * <ul>
 *   <li>{@code gatun N}: starts N containers ({@code Container.builder().command("/bin/sleep",
 *       "3600")}, stdio discarded) one after the other and prints, as {@code key value} lines: each
 *       container's start time ({@code start <i> <ns>}: builder to running), the JVM's heap in use
 *       after a full GC and its live threads before the first and with all N running, the JVM's
 *       direct child processes with all N running, then the time to close all N
 *       ({@code stop_all_ns}).</li>
 *   <li>{@code bundle DIR}: the same container as an OCI bundle for {@code crun run -d}
 *       ({@link ColdStart#bundle(Path, String...)}).</li>
 * </ul>
 */
public final class Scale {

    private Scale() {}

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "gatun" -> gatun(Integer.parseInt(args[1]));
            case "bundle" -> ColdStart.bundle(Path.of(args[1]), "/bin/sleep", "3600");
            default -> throw new IllegalArgumentException("usage: Scale gatun N | bundle DIR");
        }
    }

    private static void gatun(int n) throws Exception {
        // one container first, so that the baseline holds what every JVM that uses Gatun holds
        // (the spawner, the reaper, the sentinel, the loaded classes)
        try (Container warm = Container.builder().command("/bin/true").redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD).build()) {
            warm.run().waitFor();
        }
        long heap0 = heapAfterGc();
        int threads0 = Thread.activeCount();
        long children0 = ProcessHandle.current().children().count();
        List<Container> running = new ArrayList<>(n);
        // the script reads the host's memory now (the JVM started and warm), then lets us go on
        System.out.println("baseline_ready");
        System.out.flush();
        System.in.read();
        StringBuilder out = new StringBuilder();
        try {
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                Container c = Container.builder().command("/bin/sleep", "3600").redirectOutput(Redirect.DISCARD)
                        .redirectError(Redirect.DISCARD).stopTimeout(java.time.Duration.ZERO).build();
                running.add(c);
                c.run();
                out.append("start ").append(i + 1).append(' ').append(System.nanoTime() - t).append('\n');
            }
            long heap = heapAfterGc();
            out.append("heap_before ").append(heap0).append('\n');
            out.append("heap_running ").append(heap).append('\n');
            out.append("threads_before ").append(threads0).append('\n');
            out.append("threads_running ").append(Thread.activeCount()).append('\n');
            out.append("jvm_threads_running ").append(ManagementFactory.getThreadMXBean().getThreadCount()).append('\n');
            out.append("children_before ").append(children0).append('\n');
            out.append("children_running ").append(ProcessHandle.current().children().count()).append('\n');
            out.append("alive ").append(running.stream().filter(c -> c.process().isAlive()).count()).append('\n');
            System.out.print(out);
            System.out.flush();
            // the script reads the host's memory now, then tells us to stop
            while (System.in.read() != '\n') {
                // the line that says stop
            }
        } finally {
            long t = System.nanoTime();
            for (Container c : running) {
                c.close();
            }
            System.out.println("stop_all_ns " + (System.nanoTime() - t));
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
