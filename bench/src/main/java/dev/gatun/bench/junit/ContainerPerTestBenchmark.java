package dev.gatun.bench.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * Issue 18's benchmark: a JUnit class of {@value #TESTS} tests that starts one container per test,
 * with Gatun's extension ({@link GatunPerTest}) and with {@code podman run} per test
 * ({@link PodmanPerTest}), the same image for both (an OCI layout of busybox built here; podman
 * pulls it from the layout with the {@code oci:} transport), interleaved in one JVM, reported as
 * ratios.
 *
 * <p>Each round runs both classes once, in a shuffled order, through the JUnit Platform (the
 * engine test kit, as a build would); a warm-up round of each comes first and is recorded, not
 * counted. Per class: the wall time of the whole class; per test: the time from its start event
 * to its finish event (the container's start, the wait, the test, the container's removal).
 * Needs root, podman and busybox-static.
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.gatun.bench.junit.ContainerPerTestBenchmark [--rounds N] [--out FILE.md]}
 */
public final class ContainerPerTestBenchmark {

    static final int TESTS = 20;

    private ContainerPerTestBenchmark() {}

    /** One measurement: kind "class" (index 0) or "test" (index 1..20), in milliseconds. */
    record Sample(int round, String runner, String kind, int index, double millis) {}

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--rounds N, --out FILE.md)");
            }
        }
        Path work = Files.createTempDirectory("gatun-bench-junit-");
        String podmanImage = null;
        try {
            Path layout = OciLayoutBuilder.create().layer(BusyboxRootfs.create(work.resolve("rootfs")))
                    .refName("latest").write(work.resolve("layout"));
            System.setProperty("bench.layout", layout.toString());
            System.setProperty("bench.store", work.resolve("store").toString());
            podmanImage = run("podman", "pull", "-q", "oci:" + layout + ":latest").strip();
            System.setProperty("bench.podmanImage", podmanImage);
            String started = Instant.now().toString();
            String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
            List<Sample> samples = new ArrayList<>();
            Random random = new Random(18);
            for (int round = 0; round <= rounds; round++) {
                List<String> order = new ArrayList<>(List.of("gatun", "podman"));
                Collections.shuffle(order, random);
                for (String runner : order) {
                    samples.addAll(runClass(round, runner));
                }
                System.err.printf(Locale.ROOT, "round %d done%n", round);
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
            String report = report(samples, rounds, started, loadBefore, loadAfter);
            System.out.print(report);
            if (out != null) {
                Files.writeString(out, report);
                Files.writeString(Path.of(out.toString().replaceFirst("\\.md$", "") + ".csv"), csv(samples));
            }
        } finally {
            if (podmanImage != null) {
                run("podman", "rmi", podmanImage);
            }
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<Sample> runClass(int round, String runner) {
        Class<?> type = runner.equals("gatun") ? GatunPerTest.class : PodmanPerTest.class;
        long t0 = System.nanoTime();
        EngineExecutionResults r = EngineTestKit.engine("junit-jupiter").selectors(selectClass(type)).execute();
        double classMillis = (System.nanoTime() - t0) / 1e6;
        List<Event> finished = r.testEvents().finished().list();
        long failed = finished.stream().filter(e -> e.getPayload(TestExecutionResult.class)
                .map(x -> x.getStatus() != TestExecutionResult.Status.SUCCESSFUL).orElse(true)).count();
        if (finished.size() != TESTS || failed > 0) {
            throw new IllegalStateException(runner + " round " + round + ": " + finished.size() + " tests finished, "
                    + failed + " failed: " + r.allEvents().failed().list());
        }
        List<Sample> s = new ArrayList<>();
        s.add(new Sample(round, runner, "class", 0, classMillis));
        Map<Object, Instant> startedAt = new HashMap<>();
        int index = 0;
        for (Event e : r.testEvents().list()) {
            if (e.getType() == EventType.STARTED) {
                startedAt.put(e.getTestDescriptor().getUniqueId(), e.getTimestamp());
            } else if (e.getType() == EventType.FINISHED) {
                Instant begin = startedAt.get(e.getTestDescriptor().getUniqueId());
                s.add(new Sample(round, runner, "test", ++index, Duration.between(begin, e.getTimestamp()).toNanos() / 1e6));
            }
        }
        return s;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static String runQuietly(String... command) {
        try {
            return run(command).strip();
        } catch (IOException | InterruptedException e) {
            return "unknown (" + e.getMessage().strip() + ")";
        }
    }

    private static double percentile(List<Double> values, double p) {
        List<Double> v = values.stream().sorted().toList();
        return v.get(Math.min(v.size() - 1, (int) Math.ceil(p * v.size()) - 1));
    }

    private static List<Double> values(List<Sample> samples, String runner, String kind, int round) {
        return samples.stream().filter(s -> s.runner().equals(runner) && s.kind().equals(kind)
                && (round < 0 ? s.round() > 0 : s.round() == round)).map(Sample::millis).toList();
    }

    private static String report(List<Sample> samples, int rounds, String started, String loadBefore, String loadAfter) {
        StringBuilder md = new StringBuilder();
        md.append("# A JUnit class of ").append(TESTS).append(" tests, one container each: Gatun vs podman run, ")
                .append(started, 0, 10).append("\n\n");
        md.append("Harness: `bench/junit-class.sh` (`dev.gatun.bench.junit.ContainerPerTestBenchmark`). ")
                .append("`GatunPerTest`: a `@Gatun` class whose `@GatunContainer` instance field starts a container per test from an OCI layout of busybox-static ")
                .append("(`TestContainer.image`, an overlay root as root), waits for its `ready` line, and removes it after the test. ")
                .append("`PodmanPerTest`: the same ").append(TESTS).append(" tests, each running `podman --runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 <the same image> /bin/sh -c 'echo ready'` ")
                .append("(runc: Debian's default crun 1.8 refuses this hybrid cgroup host; the limits: podman's default needs more than this machine's hard limit). ")
                .append("Both classes run in one JVM through the JUnit Platform (engine test kit), ").append(rounds)
                .append(" interleaved rounds (both classes once per round, shuffled) after one warm-up round (round 0, in the raw samples, not counted). ")
                .append("Per test: from the test's start event to its finish event (container start, wait, test, removal). Raw samples: the `.csv` beside this file.\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| started (UTC) | ").append(started).append(" |\n");
        md.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.vm.version")).append(" |\n");
        md.append("| kernel | ").append(runQuietly("uname", "-r")).append(' ').append(System.getProperty("os.arch")).append(" |\n");
        md.append("| podman | ").append(runQuietly("podman", "--version")).append(", runtime ")
                .append(runQuietly("runc", "--version").lines().findFirst().orElse("runc"))
                .append(", storage ").append(runQuietly("podman", "info", "--format", "{{.Store.GraphDriverName}}")).append(" |\n");
        md.append("| CPUs | ").append(Runtime.getRuntime().availableProcessors()).append(" (shared with other builds) |\n");
        md.append("| load average before / after | ").append(loadBefore).append(" / ").append(loadAfter).append(" |\n\n");

        md.append("| round | Gatun class ms | podman class ms | podman / Gatun |\n|---|---|---|---|\n");
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double g = values(samples, "gatun", "class", round).getFirst();
            double p = values(samples, "podman", "class", round).getFirst();
            ratios.add(p / g);
            md.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.1f× |%n", round, g, p, p / g));
        }
        md.append('\n');
        List<Double> gClass = values(samples, "gatun", "class", -1);
        List<Double> pClass = values(samples, "podman", "class", -1);
        List<Double> gTest = values(samples, "gatun", "test", -1);
        List<Double> pTest = values(samples, "podman", "test", -1);
        md.append("| | Gatun | podman run | podman / Gatun |\n|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| whole class, median of rounds (ms) | %.0f | %.0f | %.1f× (median of per-round ratios) |%n",
                percentile(gClass, 0.5), percentile(pClass, 0.5), percentile(ratios, 0.5)));
        md.append(String.format(Locale.ROOT, "| per container: class time / %d, median of rounds (ms) | %.1f | %.1f | %.1f× |%n", TESTS,
                percentile(gClass, 0.5) / TESTS, percentile(pClass, 0.5) / TESTS, percentile(pClass, 0.5) / percentile(gClass, 0.5)));
        md.append(String.format(Locale.ROOT, "| per test p50, all rounds (ms) | %.1f | %.1f | %.1f× |%n",
                percentile(gTest, 0.5), percentile(pTest, 0.5), percentile(pTest, 0.5) / percentile(gTest, 0.5)));
        md.append(String.format(Locale.ROOT, "| per test p90, all rounds (ms) | %.1f | %.1f | %.1f× |%n",
                percentile(gTest, 0.9), percentile(pTest, 0.9), percentile(pTest, 0.9) / percentile(gTest, 0.9)));
        md.append(String.format(Locale.ROOT, "%nWarm-up round (0), whole class: Gatun %.0f ms (the JVM's first containers), podman %.0f ms.%n",
                values(samples, "gatun", "class", 0).getFirst(), values(samples, "podman", "class", 0).getFirst()));
        return md.toString();
    }

    private static String csv(List<Sample> samples) {
        StringBuilder s = new StringBuilder("round,runner,kind,index,millis\n");
        for (Sample x : samples) {
            s.append(String.format(Locale.ROOT, "%d,%s,%s,%d,%.3f%n", x.round(), x.runner(), x.kind(), x.index(), x.millis()));
        }
        return s.toString();
    }
}
