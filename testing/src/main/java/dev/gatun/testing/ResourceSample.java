package dev.gatun.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a long run of containers could accumulate, counted at one moment: the numbers a soak
 * samples before, during and after its run and expects flat.
 *
 * <p>Scoped to what this JVM owns, so that other processes on a shared host do not move them:
 * cgroup directories are those named {@code gatun-<prefix>...} below this JVM's own cgroup in every
 * mounted hierarchy (v1 controllers, the unified one) plus everything below this JVM's sentinel
 * directory {@code gatun-jvm-<pid>}; network namespaces are those held by this JVM's fds, its
 * descendants and nsfs mounts, other than its own. Two host-wide counts are kept for the record
 * only ({@link #cgroupDirsAll}, {@link #netnsHost}): other users of the host move them.
 *
 * @param epochMillis when it was taken
 * @param fds open file descriptors of this JVM
 * @param threads threads of this JVM ({@code Threads:} of /proc/self/status)
 * @param heapAfterGc heap bytes in use right after {@code System.gc()}
 * @param cgroupDirs this JVM's container cgroup directories (see above), every hierarchy
 * @param cgroupDirsAll every directory below this JVM's own cgroups, every hierarchy (host-wide when the JVM sits at a root)
 * @param mounts lines of /proc/self/mountinfo
 * @param netns network namespaces held by this JVM (fds, descendants, nsfs mounts) other than its own
 * @param netnsHost distinct network namespaces of all processes on the host
 * @param children live direct children of this JVM, Gatun's sentinel left out
 * @param zombies direct children of this JVM in state Z (exited, not reaped)
 */
public record ResourceSample(long epochMillis, int fds, int threads, long heapAfterGc, int cgroupDirs, int cgroupDirsAll,
        int mounts, int netns, int netnsHost, int children, int zombies) {

    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    /** The CSV header for {@link #csv()}. */
    public static final String CSV_HEADER =
            "epoch_ms,fds,threads,heap_after_gc,cgroup_dirs,cgroup_dirs_all,mounts,netns,netns_host,children,zombies";

    /** The flat-or-not resources by name, in CSV order (the host-wide, record-only ones left out). */
    public Map<String, Long> owned() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("fds", (long) fds);
        m.put("threads", (long) threads);
        m.put("heap after GC (bytes)", heapAfterGc);
        m.put("cgroup directories", (long) cgroupDirs);
        m.put("mounts", (long) mounts);
        m.put("network namespaces", (long) netns);
        m.put("children", (long) children);
        m.put("zombies", (long) zombies);
        return m;
    }

    /** One CSV line. */
    public String csv() {
        return String.join(",", List.of(Long.toString(epochMillis), Integer.toString(fds), Integer.toString(threads),
                Long.toString(heapAfterGc), Integer.toString(cgroupDirs), Integer.toString(cgroupDirsAll),
                Integer.toString(mounts), Integer.toString(netns), Integer.toString(netnsHost),
                Integer.toString(children), Integer.toString(zombies)));
    }

    /**
     * Takes a sample; {@code idPrefix} is the prefix of the ids of the containers to count (their
     * cgroup directories are {@code gatun-<id>}). Runs a full GC.
     */
    public static ResourceSample take(String idPrefix) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long now = System.currentTimeMillis();
        String self = Long.toString(ProcessHandle.current().pid());
        List<Path> own = ownCgroups();
        int[] cgroups = countCgroups(own, "gatun-" + idPrefix, "gatun-jvm-" + self);
        List<Long> children = ownChildren();
        int zombies = 0;
        int live = 0;
        for (long child : children) {
            String state = state(child);
            if ("Z".equals(state)) {
                zombies++;
            } else if (state != null && !isSentinel(child)) {
                live++;
            }
        }
        return new ResourceSample(now, countEntries(Path.of("/proc/self/fd")), threadCount(), heap, cgroups[0], cgroups[1],
                mountinfo().size(), ownedNetns(), hostNetns(), live, zombies);
    }

    /** This JVM's own cgroup directory in each mounted hierarchy (v1 controllers and cgroup2). */
    public static List<Path> ownCgroups() {
        Map<String, String> paths = new LinkedHashMap<>();
        for (String line : Kernel.read(Path.of("/proc/self/cgroup")).split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                for (String controller : f[1].split(",")) {
                    paths.put(controller.replace("name=", ""), f[2]);
                }
            }
        }
        List<Path> result = new ArrayList<>();
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            result.add(Path.of(CGROUP_ROOT.toString(), paths.getOrDefault("", "/")));
            return result;
        }
        for (Path mount : list(CGROUP_ROOT)) {
            if (Files.isSymbolicLink(mount) || !Files.isDirectory(mount)) {
                continue;
            }
            String name = mount.getFileName().toString();
            String path = name.equals("unified") ? paths.get("") : paths.get(name.split(",")[0]);
            if (path != null) {
                result.add(Path.of(mount.toString(), path));
            }
        }
        return result;
    }

    /** {ours, all}: directories named {@code prefix*} or inside {@code sentinel}, and every directory. */
    private static int[] countCgroups(List<Path> own, String prefix, String sentinel) {
        int ours = 0;
        int all = 0;
        for (Path top : own) {
            Deque<Path> todo = new ArrayDeque<>(List.of(top));
            while (!todo.isEmpty()) {
                Path dir = todo.pop();
                for (Path sub : list(dir)) {
                    if (!Files.isDirectory(sub) || Files.isSymbolicLink(sub)) {
                        continue;
                    }
                    all++;
                    String name = sub.getFileName().toString();
                    if (name.startsWith(prefix) || name.equals(sentinel) || sub.toString().contains("/" + sentinel + "/")) {
                        ours++;
                    }
                    todo.push(sub);
                }
            }
        }
        return new int[] {ours, all};
    }

    private static int ownedNetns() {
        Set<String> held = new HashSet<>();
        String mine = link(Path.of("/proc/self/ns/net"));
        for (Path fd : list(Path.of("/proc/self/fd"))) {
            String target = link(fd);
            if (target != null && target.startsWith("net:[")) {
                held.add(target);
            }
        }
        Deque<Long> todo = new ArrayDeque<>(ownChildren());
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            String ns = link(Path.of("/proc", Long.toString(pid), "ns", "net"));
            if (ns != null) {
                held.add(ns);
            }
            todo.addAll(childrenOf(pid));
        }
        for (String line : mountinfo()) {
            // "... - nsfs nsfs rw": a namespace file bind-mounted somewhere; field 4 is "net:[inode]"
            String[] f = line.split(" ");
            if (line.contains(" - nsfs ") && f.length > 3 && f[3].startsWith("net:[")) {
                held.add(f[3]);
            }
        }
        held.remove(mine);
        return held.size();
    }

    private static int hostNetns() {
        Set<String> seen = new HashSet<>();
        for (Path p : list(Path.of("/proc"))) {
            if (p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                String ns = link(p.resolve("ns/net"));
                if (ns != null) {
                    seen.add(ns);
                }
            }
        }
        return seen.size();
    }

    private static List<Long> ownChildren() {
        List<Long> result = new ArrayList<>();
        for (Path task : list(Path.of("/proc/self/task"))) {
            result.addAll(parse(task.resolve("children")));
        }
        return result;
    }

    private static List<Long> childrenOf(long pid) {
        List<Long> result = new ArrayList<>();
        for (Path task : list(Path.of("/proc", Long.toString(pid), "task"))) {
            result.addAll(parse(task.resolve("children")));
        }
        return result;
    }

    private static List<Long> parse(Path childrenFile) {
        List<Long> result = new ArrayList<>();
        try {
            for (String pid : Files.readString(childrenFile).trim().split("\\s+")) {
                if (!pid.isEmpty()) {
                    result.add(Long.parseLong(pid));
                }
            }
        } catch (IOException e) {
            // the task ended while we listed
        }
        return result;
    }

    private static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return null; // reaped meanwhile
        }
    }

    private static boolean isSentinel(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("gatun-sentinel");
        } catch (IOException e) {
            return false;
        }
    }

    private static int threadCount() {
        for (String line : Kernel.read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).strip());
            }
        }
        throw new IllegalStateException("no Threads: line in /proc/self/status");
    }

    private static List<String> mountinfo() {
        return Kernel.read(Path.of("/proc/self/mountinfo")).lines().toList();
    }

    private static int countEntries(Path dir) {
        // the listing's own directory fd is counted: it is there in every sample alike
        return list(dir).size();
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            return List.of();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No such process")) {
                return List.of();
            }
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
