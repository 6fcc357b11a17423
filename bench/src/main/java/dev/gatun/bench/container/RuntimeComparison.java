package dev.gatun.bench.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Whole-process comparison of container runtimes, run from one JVM, interleaved round-robin so
 * that every runtime shares the machine's noise; reported as ratios.
 *
 * <p>Each runtime starts the same bundle ({@link Bundle}: {@code /bin/true} in pid+mnt+uts+ipc+net
 * namespaces, a cgroup with the article's limits, pivot_root into busybox) and waits for it to
 * exit; one "op" is create + start + wait + delete. Wall time is per op; CPU time is this JVM's
 * own plus its reaped children's ({@code /proc/self/stat} utime+stime+cutime+cstime) per op, so
 * an external runtime is charged for its own processes and Gatun for the work it does in-process.
 *
 * <p>The {@code unshare} row is the floor no runtime can go below: util-linux's {@code unshare}
 * making the same five namespaces and running {@code /bin/true} in them, with no cgroup, no
 * mounts and no pivot_root. The {@code true} row is {@code /bin/true} alone: what starting any
 * external process costs this harness ({@link ProcessBuilder}), included in every external row.
 *
 * <p>Usage: {@code bench/compare-runtimes.sh [--ops N] [--runtimes gatun,crun,runc,unshare,true] [--warmup N] [--out FILE]}.
 * On a hybrid cgroup host crun 1.8 refuses to run unless the cgroup2 mount's
 * {@code cgroup.controllers} is hidden from it; the script runs this JVM in a private mount
 * namespace where {@code /dev/null} is bind-mounted over that one file.
 */
public final class RuntimeComparison {

    /** One way of running the bundle once. */
    interface Runtime {
        String name();

        void runOnce(Path bundle, String id) throws Exception;
    }

    private RuntimeComparison() {}

    public static void main(String[] args) throws Exception {
        int ops = 100;
        int warmup = 300;
        List<String> names = List.of("gatun", "crun", "runc", "unshare", "true");
        Path out = null;
        String bundleKind = "default";
        boolean seccomp = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--runtimes" -> names = Arrays.asList(args[++i].split(","));
                case "--out" -> out = Path.of(args[++i]);
                case "--bundle" -> bundleKind = args[++i];
                case "--no-seccomp" -> seccomp = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!bundleKind.equals("default") && !bundleKind.equals("light")) {
            throw new IllegalArgumentException("--bundle default|light, not " + bundleKind);
        }
        String load0 = Files.readString(Path.of("/proc/loadavg")).strip();
        Path work = Files.createTempDirectory("gatun-bench-");
        Path state = Files.createDirectories(work.resolve("state"));
        String cgroupParent = "/gatun-bench-" + ProcessHandle.current().pid();
        Map<String, Runtime> runtimes = new LinkedHashMap<>();
        for (String name : names) {
            runtimes.put(name, switch (name) {
                case "crun" -> new External("crun", List.of("crun", "--root", state.resolve("crun").toString()));
                case "runc" -> new External("runc", List.of("runc", "--root", state.resolve("runc").toString()));
                case "gatun" -> GatunRuntime.create();
                // the floor: the same five namespaces and one fork+exec of /bin/true, nothing else
                case "unshare" -> new External("unshare", List.of("unshare", "--fork", "--pid", "--mount", "--uts",
                        "--ipc", "--net", "/bin/true"));
                // what starting any external process costs this harness (ProcessBuilder, jspawnhelper)
                case "true" -> new External("true", List.of("/bin/true"));
                default -> throw new IllegalArgumentException("unknown runtime " + name);
            });
        }
        Map<String, Path> bundles = new LinkedHashMap<>();
        for (String name : runtimes.keySet()) {
            Path dir = Files.createDirectories(work.resolve(name));
            String cgroup = cgroupParent + "/" + name;
            bundles.put(name, bundleKind.equals("default") ? Bundle.createDefault(dir, cgroup, seccomp)
                    : Bundle.create(dir, cgroup));
        }
        // the limits, read from the host in each runtime's created container before any timing
        List<String> verified = new ArrayList<>();
        for (String name : runtimes.keySet()) {
            if (runtimes.get(name) instanceof LimitsCheck check) {
                verified.add(name + ": " + check.verifyLimits(bundles.get(name), name + "-limits", cgroupParent + "/" + name));
            }
        }
        // warm-up, interleaved like the measured ops: the JIT for Gatun (a method run once per
        // container is compiled only after hundreds of containers), the page cache for everyone
        Map<String, long[]> wall = new LinkedHashMap<>();
        Map<String, long[]> cpu = new LinkedHashMap<>();
        for (String n : runtimes.keySet()) {
            wall.put(n, new long[ops]);
            cpu.put(n, new long[ops]);
        }
        Random random = new Random(42);
        List<String> order = new ArrayList<>(runtimes.keySet());
        for (int i = -warmup; i < ops; i++) {
            Collections.shuffle(order, random);
            for (String name : order) {
                String id = name + "-" + (i + warmup);
                long cpu0 = cpuTicks();
                long t0 = System.nanoTime();
                runtimes.get(name).runOnce(bundles.get(name), id);
                long t1 = System.nanoTime();
                long cpu1 = cpuTicks();
                if (i >= 0) {
                    wall.get(name)[i] = t1 - t0;
                    cpu.get(name)[i] = cpu1 - cpu0;
                }
            }
        }
        // the sequential run: 100 containers back to back, per runtime
        Map<String, Long> sequential = new LinkedHashMap<>();
        for (String name : runtimes.keySet()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                runtimes.get(name).runOnce(bundles.get(name), name + "-seq-" + i);
            }
            sequential.put(name, System.nanoTime() - t0);
        }
        removeCgroups(cgroupParent);
        deleteTree(work);
        String setup = String.format(Locale.ROOT, "Bundle: %s%s. Load average (1/5/15 min) at start %s, at end %s.%n"
                        + "Versions: %s; %s; %s.%n%nLimits read from the host in each runtime's created container "
                        + "before timing:%n%n%s%n",
                bundleKind.equals("default") ? "the builder's default container of /bin/true (namespaces, seccomp, "
                        + "capabilities, masked paths, read-only host paths) with the article's limits this host "
                        + "supports (no blkio weight), written as config.json" : "light (Bundle.create: busybox, no seccomp)",
                seccomp ? "" : ", its seccomp section removed for every runtime",
                String.join(" ", Arrays.copyOf(load0.split(" "), 3)),
                String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).strip().split(" "), 3)),
                "java " + System.getProperty("java.vm.version"), version("crun"), version("runc"),
                verified.stream().map(v -> "- " + v).collect(java.util.stream.Collectors.joining("\n")));
        String report = report(ops, warmup, wall, cpu, sequential).replace("\n\n| runtime", "\n\n" + setup + "\n| runtime");
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report);
            // the raw samples beside it: FILE.csv
            StringBuilder csv = new StringBuilder("runtime,op,wall_ns,cpu_ticks\n");
            for (String name : wall.keySet()) {
                for (int i = 0; i < ops; i++) {
                    csv.append(name).append(',').append(i).append(',').append(wall.get(name)[i]).append(',')
                            .append(cpu.get(name)[i]).append('\n');
                }
            }
            String base = out.getFileName().toString();
            Files.writeString(out.resolveSibling((base.endsWith(".md") ? base.substring(0, base.length() - 3) : base)
                    + ".csv"), csv);
            // the chart beside the table: FILE.md -> FILE.svg
            String name = out.getFileName().toString();
            Path svg = out.resolveSibling((name.endsWith(".md") ? name.substring(0, name.length() - 3) : name) + ".svg");
            Files.writeString(svg, chart(ops, wall, cpu, sequential));
        }
    }

    private static String report(int ops, int warmup, Map<String, long[]> wall, Map<String, long[]> cpu,
            Map<String, Long> sequential) throws IOException {
        String base = wall.containsKey("crun") ? "crun" : wall.keySet().iterator().next();
        double baseWall = median(wall.get(base));
        double baseCpu = mean(cpu.get(base));
        double baseSeq = sequential.get(base);
        StringBuilder s = new StringBuilder();
        s.append("# Runtime comparison\n\n");
        s.append(String.format(Locale.ROOT, "%s, %s, kernel %s, %d cores, load %s; %d interleaved ops per runtime "
                        + "after %d warm-up ops each%n%n",
                Instant.now(), System.getProperty("java.vm.version"),
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                java.lang.Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0], ops, warmup));
        double baseP90 = percentile(wall.get(base), 0.9);
        double baseP99 = percentile(wall.get(base), 0.99);
        s.append("| runtime | median wall (ms) | p90 wall (ms) | p99 wall (ms) | CPU/op (ms) | wall vs ").append(base)
                .append(" | p90 vs ").append(base).append(" | p99 vs ").append(base)
                .append(" | CPU vs ").append(base).append(" | 100 sequential (s) | sequential vs ").append(base)
                .append(" |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String name : wall.keySet()) {
            double med = median(wall.get(name));
            double p90 = percentile(wall.get(name), 0.9);
            double p99 = percentile(wall.get(name), 0.99);
            double c = mean(cpu.get(name));
            double seq = sequential.get(name);
            s.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f× | %.2f× | %.2f× | %.2f | %.2f× |%n",
                    name, med / 1e6, p90 / 1e6, p99 / 1e6, c * 10.0, med / baseWall, p90 / baseP90, p99 / baseP99,
                    c / baseCpu, seq / 1e9, seq / baseSeq));
        }
        if (wall.containsKey("true")) {
            s.append("\nThe `true` row is the launch cost alone: `ProcessBuilder(\"/bin/true\")` from this JVM, which every "
                    + "external runtime's row includes (its `crun run` or `runc run` is such a launch) and Gatun's does not.\n");
        }
        return s.toString();
    }

    private static String chart(int ops, Map<String, long[]> wall, Map<String, long[]> cpu, Map<String, Long> sequential)
            throws IOException {
        List<ComparisonChart.Row> rows = new ArrayList<>();
        for (String name : wall.keySet()) {
            rows.add(new ComparisonChart.Row(name, median(wall.get(name)) / 1e6, mean(cpu.get(name)) * 10.0,
                    sequential.get(name) / 1e9));
        }
        String subtitle = String.format(Locale.ROOT, "%d interleaved ops per runtime after a warm-up, %d cores, kernel %s;"
                + " lower is better", ops, java.lang.Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        return ComparisonChart.svg(subtitle, rows, wall.containsKey("crun") ? "crun" : wall.keySet().iterator().next());
    }

    /** This process's CPU time so far, own plus reaped children's, in clock ticks (1/100 s). */
    static long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14..17 of proc(5), counted from "state" as index 0 = field 3
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    private static double median(long[] v) {
        return percentile(v, 0.5);
    }

    private static double percentile(long[] v, double p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(p * s.length))];
    }

    private static double mean(long[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    /** Removes the benchmark's temporary directory (bundles and the runtimes' state). */
    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Removes the benchmark's cgroup parent in every hierarchy (the runtimes remove their own children). */
    private static void removeCgroups(String parent) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (dash > 0 && (f[dash + 1].equals("cgroup") || f[dash + 1].equals("cgroup2"))) {
                Path dir = Path.of(f[4] + parent);
                try (var children = Files.exists(dir) ? Files.list(dir) : java.util.stream.Stream.<Path>empty()) {
                    for (Path child : children.filter(Files::isDirectory).toList()) {
                        Files.deleteIfExists(child);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * crun or runc: {@code <runtime> --root <state> run --bundle <dir> <id>}, which also deletes;
     * or unshare and true, whose commands are complete as given.
     */
    /** A runtime whose created container's cgroup files can be read before timing. */
    interface LimitsCheck {
        /** Creates container {@code id} of {@code bundle}, reads its limits from the host, deletes it; returns what it read. */
        String verifyLimits(Path bundle, String id, String cgroupsPath) throws Exception;
    }

    /**
     * Reads the article's limits of cgroup {@code path} (absolute, as the bundle names it) from
     * the host, and fails unless each holds what the bundle asks for.
     */
    static String readLimits(String path) throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        boolean v2 = Files.exists(root.resolve("cgroup.controllers"));
        Map<String, String> want = new LinkedHashMap<>();
        if (v2) {
            want.put("memory.max", "536870912");
            want.put("memory.swap.max", "0");
            want.put("cpu.max", "150000 100000");
            want.put("pids.max", "100");
        } else {
            want.put("memory/memory.limit_in_bytes", "536870912");
            want.put("memory/memory.memsw.limit_in_bytes", "536870912");
            want.put("cpu/cpu.cfs_quota_us", "150000");
            want.put("cpu/cpu.cfs_period_us", "100000");
            want.put("cpu/cpu.shares", "512");
            want.put("pids/pids.max", "100");
        }
        List<String> got = new ArrayList<>();
        for (var e : want.entrySet()) {
            String key = e.getKey();
            Path file = v2 ? root.resolve(path.substring(1)).resolve(key)
                    : root.resolve(key.substring(0, key.indexOf('/'))).resolve(path.substring(1))
                            .resolve(key.substring(key.indexOf('/') + 1));
            String value = Files.readString(file).strip();
            if (!value.equals(e.getValue())) {
                throw new IllegalStateException(file + " holds " + value + ", not " + e.getValue());
            }
            got.add(key.substring(key.indexOf('/') + 1) + "=" + value);
        }
        return String.join(", ", got);
    }

    /** The first line of {@code <tool> --version}, or that it is missing. */
    private static String version(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("?");
            p.waitFor();
            return first;
        } catch (IOException | InterruptedException e) {
            return tool + " missing";
        }
    }

    record External(String name, List<String> command) implements Runtime, LimitsCheck {
        @Override
        public String verifyLimits(Path bundle, String id, String cgroupsPath) throws Exception {
            if (!name.equals("crun") && !name.equals("runc")) {
                return "no cgroup";
            }
            List<String> create = new ArrayList<>(command);
            create.addAll(List.of("create", "--bundle", bundle.toString(), id));
            List<String> delete = new ArrayList<>(command);
            delete.addAll(List.of("delete", "--force", id));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(String.join(" ", create) + " exited with " + p.exitValue());
                }
                return readLimits(cgroupsPath);
            } finally {
                new ProcessBuilder(delete).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor();
            }
        }

        @Override
        public void runOnce(Path bundle, String id) throws Exception {
            List<String> cmd = new ArrayList<>(command);
            if (name.equals("crun") || name.equals("runc")) {
                cmd.addAll(List.of("run", "--bundle", bundle.toString(), id));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited with " + code);
            }
        }
    }
}
