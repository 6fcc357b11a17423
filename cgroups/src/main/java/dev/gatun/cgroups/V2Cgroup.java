package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/** A cgroup in the unified (v2) hierarchy. */
final class V2Cgroup implements Cgroup {

    /** Enabled for every cgroup when available, for stats and events even without limits. */
    private static final List<String> ALWAYS = List.of("memory", "pids");

    private final CgroupFs fs;
    private final OnUnsupported policy;
    private final Path dir;
    /** Directories this library created for this cgroup, parents first; the last is {@link #dir}. */
    private final List<Path> created;
    private final List<String> dropped = new CopyOnWriteArrayList<>();

    private V2Cgroup(CgroupFs fs, OnUnsupported policy, Path dir, List<Path> created) {
        this.fs = fs;
        this.policy = policy;
        this.dir = dir;
        this.created = List.copyOf(created);
    }

    /** The cgroup of an existing directory; it made only that one (delete removes it alone). */
    static V2Cgroup existing(CgroupFs fs, Path dir) {
        return new V2Cgroup(fs, OnUnsupported.FAIL, dir, List.of(dir));
    }

    /**
     * Creates {@code mount + path} (and missing parents), enables the controllers it needs in each
     * parent's {@code cgroup.subtree_control}, applies {@code resources}; on failure removes what
     * it created.
     */
    static V2Cgroup create(CgroupFs fs, Path mount, String path, Resources resources, OnUnsupported policy)
            throws IOException {
        Set<String> wanted = new LinkedHashSet<>(ALWAYS);
        wanted.addAll(needed(resources));
        List<Path> created = new ArrayList<>();
        Path dir = mount;
        List<String> segments = CgroupsPath.segments(path);
        try {
            for (int i = 0; i < segments.size(); i++) {
                enableControllers(fs, dir, wanted);
                dir = dir.resolve(segments.get(i));
                boolean leaf = i == segments.size() - 1;
                if (ControlFiles.mkdirUnlessExists(fs, dir, leaf)) {
                    created.add(dir);
                }
            }
            V2Cgroup cgroup = new V2Cgroup(fs, policy, dir, created);
            cgroup.apply(resources);
            return cgroup;
        } catch (IOException | RuntimeException e) {
            ControlFiles.removeCreated(fs, created, e);
            throw e;
        }
    }

    private static Set<String> needed(Resources r) {
        Set<String> result = new LinkedHashSet<>();
        if (V2Memory.needed(r)) {
            result.add(V2Memory.CONTROLLER);
        }
        if (V2Cpu.needed(r.cpu())) {
            result.add(V2Cpu.CONTROLLER);
        }
        if (V2Cpuset.needed(r.cpu())) {
            result.add(V2Cpuset.CONTROLLER);
        }
        if (V2Pids.needed(r)) {
            result.add(V2Pids.CONTROLLER);
        }
        if (V2Io.needed(r)) {
            result.add(V2Io.CONTROLLER);
        }
        if (V2Hugetlb.needed(r)) {
            result.add(V2Hugetlb.CONTROLLER);
        }
        if (Rdma.needed(r)) {
            result.add(Rdma.CONTROLLER);
        }
        for (String key : r.unified().keySet()) {
            result.add(key.substring(0, Math.max(0, key.indexOf('.'))));
        }
        result.remove("cgroup");
        result.remove("");
        return result;
    }

    /**
     * Enables in {@code parent}'s subtree_control those wanted controllers it offers and has not
     * enabled. Unavailable ones are skipped here: the limit that needs one fails at apply, naming it.
     */
    private static void enableControllers(CgroupFs fs, Path parent, Set<String> wanted) throws IOException {
        Set<String> available = words(fs, parent.resolve("cgroup.controllers"));
        Set<String> enabled = words(fs, parent.resolve("cgroup.subtree_control"));
        StringBuilder add = new StringBuilder();
        for (String c : wanted) {
            if (available.contains(c) && !enabled.contains(c)) {
                add.append(add.isEmpty() ? "" : " ").append('+').append(c);
            }
        }
        if (add.isEmpty()) {
            return;
        }
        Path file = parent.resolve("cgroup.subtree_control");
        try {
            fs.write(file, add.toString());
        } catch (CgroupFileException e) {
            if (String.valueOf(e.getMessage()).contains("busy")) {
                throw new IOException(e.getMessage() + ": " + parent + " has processes of its own, and cgroup v2's "
                        + "no-internal-processes rule forbids enabling controllers below it; move them into a leaf "
                        + "cgroup, or give a cgroupsPath in a subtree that is delegated for containers", e);
            }
            throw e;
        }
    }

    private static Set<String> words(CgroupFs fs, Path file) throws IOException {
        return fs.exists(file) ? new LinkedHashSet<>(Arrays.asList(fs.read(file).strip().split("\\s+")))
                : Set.of();
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public Map<String, Path> directories() {
        return Map.of("", dir);
    }

    @Override
    public void apply(Resources r) throws IOException {
        LimitWriter w = new LimitWriter(fs, policy);
        Set<String> enabled = words(fs, dir.resolve("cgroup.controllers"));
        V2Memory.apply(r.memory(), on(enabled, V2Memory.CONTROLLER), w);
        V2Cpu.apply(r.cpu(), on(enabled, V2Cpu.CONTROLLER), w);
        V2Cpuset.apply(r.cpu(), on(enabled, V2Cpuset.CONTROLLER), w);
        V2Pids.apply(r.pids(), on(enabled, V2Pids.CONTROLLER), w);
        V2Io.apply(r.blockIo(), on(enabled, V2Io.CONTROLLER), w);
        V2Hugetlb.apply(r, on(enabled, V2Hugetlb.CONTROLLER), w);
        Rdma.apply(r, on(enabled, Rdma.CONTROLLER), w);
        if (!r.network().isEmpty()) {
            w.unsupported("network", LimitWriter.at(dir, "net_cls.classid"), "cgroup v2 has no net_cls/net_prio controller");
        }
        // devices: on v2 the kernel enforces them through an eBPF program, which core attaches
        for (Map.Entry<String, String> e : r.unified().entrySet()) {
            w.write("unified." + e.getKey(), dir, e.getKey(), e.getValue());
        }
        dropped.addAll(w.dropped());
    }

    /** The directory when the controller is enabled here, else null (the limit is unsupported). */
    private Path on(Set<String> enabled, String controller) {
        return enabled.contains(controller) ? dir : null;
    }

    @Override
    public List<String> droppedLimits() {
        return List.copyOf(dropped);
    }

    @Override
    public void addProcess(long pid) throws IOException {
        fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    @Override
    public List<Long> processes() throws IOException {
        TreeSet<Long> pids = new TreeSet<>();
        ControlFiles.pids(fs, dir.resolve("cgroup.procs"), pids);
        return List.copyOf(pids);
    }

    @Override
    public void freeze() throws IOException {
        setFrozen(true);
    }

    @Override
    public void thaw() throws IOException {
        setFrozen(false);
    }

    private void setFrozen(boolean frozen) throws IOException {
        fs.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
        if (!ControlFiles.await(5_000, () -> events().frozen() == frozen)) {
            throw new IOException(dir + "/cgroup.events: still " + (frozen ? "not frozen" : "frozen") + " after 5 s");
        }
    }

    @Override
    public void killAll() throws IOException {
        Path kill = dir.resolve("cgroup.kill");
        if (fs.exists(kill)) {
            fs.write(kill, "1"); // 5.14+: the kernel kills every process, forks included, atomically
        } else {
            freeze(); // freezes the subtree: no fork escapes the signal
            ControlFiles.sigkill(CgroupTree.processes(fs, dir));
            thaw();
        }
        if (!ControlFiles.await(10_000, () -> !events().populated())) {
            throw new IOException(dir + ": processes " + processes() + " still inside 10 s after SIGKILL");
        }
    }

    @Override
    public CgroupStats stats() throws IOException {
        Map<String, Long> cpu = ControlFiles.keyValues(fs, dir.resolve("cpu.stat"));
        Map<String, String> pressure = new LinkedHashMap<>();
        for (String p : List.of("cpu.pressure", "memory.pressure", "io.pressure")) {
            if (fs.exists(dir.resolve(p))) {
                pressure.put(p, fs.read(dir.resolve(p)).strip());
            }
        }
        return new CgroupStats(
                ControlFiles.number(fs, dir.resolve("memory.current")),
                ControlFiles.number(fs, dir.resolve("memory.peak")),
                ControlFiles.keyValues(fs, dir.resolve("memory.stat")),
                cpu.getOrDefault("usage_usec", -1L), cpu.getOrDefault("user_usec", -1L),
                cpu.getOrDefault("system_usec", -1L), cpu.getOrDefault("nr_periods", -1L),
                cpu.getOrDefault("nr_throttled", -1L),
                cpu.getOrDefault("throttled_usec", -1L),
                ControlFiles.number(fs, dir.resolve("pids.current")),
                ControlFiles.number(fs, dir.resolve("pids.peak")),
                ControlFiles.text(fs, dir.resolve("io.stat")), pressure);
    }

    @Override
    public CgroupEvents events() throws IOException {
        if (!fs.exists(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "the cgroup was removed");
        }
        Map<String, Long> events = ControlFiles.keyValues(fs, dir.resolve("cgroup.events"));
        Path memory = dir.resolve("memory.events");
        return new CgroupEvents(events.getOrDefault("populated", 0L) == 1, events.getOrDefault("frozen", 0L) == 1,
                ControlFiles.key(fs, memory, "oom"), ControlFiles.key(fs, memory, "oom_kill"),
                ControlFiles.key(fs, dir.resolve("pids.events"), "max"));
    }

    @Override
    public void destroy() throws IOException {
        if (ControlFiles.removeAtOnce(fs, List.of(created))) {
            return; // every rmdir succeeded: no process and no child cgroup was left inside
        }
        try {
            killAll();
        } finally {
            delete();
        }
    }

    @Override
    public void delete() throws IOException {
        if (ControlFiles.removeAtOnce(fs, List.of(created))) {
            return; // the common case: empty, gone at the first rmdir
        }
        if (!fs.exists(dir)) {
            return;
        }
        List<Long> left = CgroupTree.processes(fs, dir);
        if (!left.isEmpty()) {
            throw new IllegalStateException("cannot delete " + dir + ": processes " + left + " are inside (killAll first)");
        }
        // sub-cgroups the container made (rmdir of a cgroup with children is EBUSY), deepest first
        CgroupTree.removeBelow(fs, dir);
        ControlFiles.removeCreated(fs, created, null);
    }
}
