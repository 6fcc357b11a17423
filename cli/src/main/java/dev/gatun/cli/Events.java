package dev.gatun.cli;

import dev.gatun.cgroups.CgroupStats;
import dev.gatun.cgroups.Cgroups;
import dev.gatun.oci.OciSpecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.SerializationFeature;

/**
 * {@code gatun events}: runc's events, one JSON object a line. With {@code --stats}, one
 * {@code {"type":"stats","id":…,"data":{…}}} and exit; otherwise a stats event every
 * {@code --interval}, and an {@code {"type":"oom","id":…}} event when the kernel's OOM killer
 * acted in the container's cgroup since the last look, until the container stops. The data holds
 * what the cgroup reports, in runc's field names and units (CPU in nanoseconds); a value this
 * host does not report is left out.
 */
@Command(name = "events", description = "print the container's resource usage (and OOM kills) as JSON lines")
final class Events implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--stats", description = "print the usage once and exit")
    boolean stats;

    @Option(names = "--interval", defaultValue = "5s", description = "how often to print (a duration such as 5s, 500ms)")
    String interval;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Duration every = parseInterval(interval);
        StateStore store = main.store();
        ContainerRecord r = store.get(id);
        Map<String, Path> dirs = new LinkedHashMap<>();
        r.cgroupDirectories().forEach((k, v) -> dirs.put(k, Path.of(v)));
        if (dirs.isEmpty()) {
            throw new CliException("container " + id + " has no cgroup to report on");
        }
        if (r.status(store.directory(id)).equals("stopped")) {
            throw new CliException("container not running");
        }
        var cgroup = Cgroups.existing(dirs);
        if (stats) {
            System.out.println(event("stats", statsData(cgroup.stats())));
            return 0;
        }
        long ooms = oomKills(dirs);
        while (new InitProcess(r.pid(), r.initStartTime()).alive()) {
            long now = oomKills(dirs);
            if (now > ooms) {
                System.out.println(event("oom", null));
                ooms = now;
            }
            System.out.println(event("stats", statsData(cgroup.stats())));
            System.out.flush();
            Thread.sleep(every.toMillis());
        }
        return 0;
    }

    static Duration parseInterval(String text) {
        try {
            Duration d;
            if (text.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else if (text.endsWith("s")) {
                d = Duration.ofMillis((long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
            } else if (text.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            } else {
                throw new NumberFormatException(text);
            }
            if (d.isNegative() || d.isZero()) {
                throw new NumberFormatException(text);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new CliException("--interval " + text + ": not a positive duration (such as 5s or 500ms)");
        }
    }

    private String event(String type, Map<String, Object> data) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("id", id);
        if (data != null) {
            e.put("data", data);
        }
        return OciSpecs.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(e);
    }

    /** runc's {@code types.Stats} fields that the cgroup reports. */
    static Map<String, Object> statsData(CgroupStats s) {
        Map<String, Object> usage = new LinkedHashMap<>();
        putKnown(usage, "total", s.cpuUsageMicros(), 1000);
        putKnown(usage, "kernel", s.cpuSystemMicros(), 1000);
        putKnown(usage, "user", s.cpuUserMicros(), 1000);
        Map<String, Object> throttling = new LinkedHashMap<>();
        putKnown(throttling, "periods", s.cpuPeriods(), 1);
        putKnown(throttling, "throttled_periods", s.cpuThrottledPeriods(), 1);
        putKnown(throttling, "throttled_time", s.cpuThrottledMicros(), 1000);
        Map<String, Object> memUsage = new LinkedHashMap<>();
        putKnown(memUsage, "usage", s.memoryBytes(), 1);
        putKnown(memUsage, "max", s.memoryPeakBytes(), 1);
        Map<String, Object> memory = new LinkedHashMap<>();
        if (s.memoryStat().containsKey("cache") || s.memoryStat().containsKey("file")) {
            memory.put("cache", s.memoryStat().getOrDefault("cache", s.memoryStat().get("file")));
        }
        memory.put("usage", memUsage);
        memory.put("raw", new java.util.TreeMap<>(s.memoryStat()));
        Map<String, Object> pids = new LinkedHashMap<>();
        putKnown(pids, "current", s.pids(), 1);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cpu", Map.of("usage", usage, "throttling", throttling));
        data.put("memory", memory);
        data.put("pids", pids);
        return data;
    }

    private static void putKnown(Map<String, Object> m, String key, long value, long scale) {
        if (value >= 0) {
            m.put(key, value * scale);
        }
    }

    /** The OOM kills the kernel counted in the container's memory cgroup (v2 memory.events, v1 memory.oom_control). */
    private static long oomKills(Map<String, Path> dirs) {
        for (Path dir : new java.util.LinkedHashSet<>(dirs.values())) {
            for (String file : new String[] {"memory.events", "memory.oom_control"}) {
                try {
                    for (String line : Files.readAllLines(dir.resolve(file))) {
                        if (line.startsWith("oom_kill ")) {
                            return Long.parseLong(line.substring(9).strip());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // not this hierarchy's file
                }
            }
        }
        return 0;
    }
}
