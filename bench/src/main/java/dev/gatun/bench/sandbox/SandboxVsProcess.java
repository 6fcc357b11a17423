package dev.gatun.bench.sandbox;

import static dev.gatun.bench.Samples.pct;
import static dev.gatun.bench.Samples.row;

import dev.gatun.core.Sandbox;
import dev.gatun.core.SandboxResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 18's second benchmark ({@code bench/sandbox.sh}): {@code Sandbox.run} of {@code /bin/true}
 * against {@code ProcessBuilder("/bin/true")} in the same warm JVM, interleaved (each round runs
 * both, in an order that alternates), wall time per call to its exit, as a ratio with p50, p90,
 * p99. Writes {@code <out>.csv} (every sample) and {@code <out>.md}.
 *
 * <pre>SandboxVsProcess ROUNDS WARMUP OUT</pre>
 */
public final class SandboxVsProcess {

    private SandboxVsProcess() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        for (int i = 0; i < warmup; i++) {
            sandbox();
            process();
        }
        long[] sandbox = new long[rounds];
        long[] process = new long[rounds];
        long cpu0 = cpu();
        StringBuilder csv = new StringBuilder("round,case,wall_ns\n");
        for (int i = 0; i < rounds; i++) {
            if (i % 2 == 0) {
                sandbox[i] = sandbox();
                process[i] = process();
            } else {
                process[i] = process();
                sandbox[i] = sandbox();
            }
            csv.append(i).append(",sandbox,").append(sandbox[i]).append('\n');
            csv.append(i).append(",processbuilder,").append(process[i]).append('\n');
        }
        long cpu = cpu() - cpu0;
        Files.writeString(Path.of(out + ".csv"), csv);
        List<String> md = new ArrayList<>();
        md.add("# `Sandbox.run` of `/bin/true` vs `ProcessBuilder(\"/bin/true\")`, same warm JVM");
        md.add("");
        md.add(Runtime.version() + "; kernel " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip() + "; "
                + Runtime.getRuntime().availableProcessors() + " CPUs; load before "
                + Files.readString(Path.of("/proc/loadavg")).strip() + "; " + Instant.now() + ". " + warmup
                + " warm-up rounds, then " + rounds + " interleaved rounds (the order alternating). Raw samples: `"
                + out.getFileName() + ".csv`. Produced by `bench/sandbox.sh`.");
        md.add("");
        md.add("| | p50 | p90 | p99 |");
        md.add("|---|---:|---:|---:|");
        md.add(row("`Sandbox.run` (ms)", sandbox, 1e6));
        md.add(row("`ProcessBuilder` (ms)", process, 1e6));
        md.add(String.format("| ratio | %.2f× | %.2f× | %.2f× |", pct(sandbox, 50) / pct(process, 50),
                pct(sandbox, 90) / pct(process, 90), pct(sandbox, 99) / pct(process, 99)));
        md.add("");
        md.add(String.format("The JVM's own CPU time over the timed rounds (both cases, the children not counted): %.1f ms"
                + " per round. Target (issue 18): `Sandbox.run` ≤ 2× `ProcessBuilder` at p50.", cpu / 1e6 / rounds));
        Files.write(Path.of(out + ".md"), md);
        md.forEach(System.out::println);
    }

    private static long sandbox() throws IOException, InterruptedException {
        long t = System.nanoTime();
        SandboxResult r = Sandbox.run(List.of("/bin/true"), s -> { });
        long d = System.nanoTime() - t;
        if (r.exitCode() != 0) {
            throw new IllegalStateException("Sandbox.run(/bin/true): " + r);
        }
        return d;
    }

    private static long process() throws IOException, InterruptedException {
        long t = System.nanoTime();
        int code = new ProcessBuilder("/bin/true").start().waitFor();
        long d = System.nanoTime() - t;
        if (code != 0) {
            throw new IllegalStateException("ProcessBuilder(/bin/true) exited " + code);
        }
        return d;
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
