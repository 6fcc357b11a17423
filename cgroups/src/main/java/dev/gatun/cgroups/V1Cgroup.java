package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cgroup in every mounted v1 controller hierarchy (named hierarchies such as name=systemd are
 * left alone), each directory beneath the caller's own cgroup in that hierarchy unless the path is
 * absolute; on a hybrid host also one in the controller-less unified hierarchy, under the key
 * {@value #UNIFIED}.
 *
 * <p>Why the unified leaf: a process that is placed in every v1 hierarchy but not in the unified
 * one stays in the caller's unified cgroup (often the root, {@code 0::/}), and a cgroup namespace
 * made there has that cgroup as its root: whoever in the container gets to mount cgroup2 (from a
 * nested user namespace, say) then writes into the host's unified tree, and the container's own
 * subdirectories there would block nothing of ours but be left behind.
 */
final class V1Cgroup implements Cgroup {

    /** The {@link #directories()} key of a hybrid host's unified-hierarchy leaf. */
    static final String UNIFIED = "unified";

    private final CgroupFs fs;
    private final OnUnsupported policy;
    /** controller → directory, in the layout's (sorted) order. */
    private final Map<String, Path> dirs;
    /** Per hierarchy, the directories this library created, parents first. */
    private final List<List<Path>> created;
    private final List<String> dropped = new CopyOnWriteArrayList<>();

    private V1Cgroup(CgroupFs fs, OnUnsupported policy, Map<String, Path> dirs, List<List<Path>> created) {
        this.fs = fs;
        this.policy = policy;
        this.dirs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dirs));
        this.created = List.copyOf(created);
    }

    /** The cgroup of existing directories (controller → directory); it made none of them. */
    static V1Cgroup existing(CgroupFs fs, Map<String, Path> dirs) {
        List<List<Path>> created = new ArrayList<>();
        for (Path dir : new java.util.LinkedHashSet<>(dirs.values())) {
            created.add(List.of(dir));
        }
        return new V1Cgroup(fs, OnUnsupported.FAIL, dirs, created);
    }

    /** The directories {@link #create} makes (controller → directory), made by nobody yet. */
    static Map<String, Path> directories(CgroupLayout layout, CgroupsPath path, String containerId) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        directories(layout, path, containerId, dirs, new LinkedHashMap<>());
        return dirs;
    }

    private static void directories(CgroupLayout layout, CgroupsPath path, String containerId, Map<String, Path> dirs,
            Map<Path, Path> leafOfMount) {
        for (Map.Entry<String, Path> e : layout.v1Mounts().entrySet()) {
            String controller = e.getKey();
            if (controller.startsWith("name=")) {
                continue;
            }
            String cgroupPath = path.resolve(layout.v1Paths().get(controller), containerId);
            Path leaf = e.getValue().resolve(cgroupPath.substring(1));
            dirs.put(controller, leaf);
            leafOfMount.put(e.getValue(), leaf);
        }
        if (layout.mode() == CgroupLayout.Mode.HYBRID && layout.unifiedMount().isPresent()) {
            Path leaf = layout.unifiedMount().get().resolve(path.resolve(layout.unifiedPath(), containerId).substring(1));
            dirs.put(UNIFIED, leaf);
            leafOfMount.put(layout.unifiedMount().get(), leaf);
        }
    }

    static V1Cgroup create(CgroupFs fs, CgroupLayout layout, CgroupsPath path, String containerId, Resources resources,
            OnUnsupported policy) throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<Path, Path> leafOfMount = new LinkedHashMap<>();
        directories(layout, path, containerId, dirs, leafOfMount);
        List<List<Path>> created = new ArrayList<>();
        try {
            for (Map.Entry<Path, Path> e : leafOfMount.entrySet()) {
                List<Path> made = new ArrayList<>();
                created.add(made);
                Path mount = e.getKey();
                Path leaf = e.getValue();
                // mkdir first, no stat before: no window between a check and the make
                ControlFiles.mkdirs(fs, mount, leaf, made);
                if (mount.equals(layout.v1Mounts().get(V1Cpuset.CONTROLLER))) {
                    for (Path dir : made) {
                        V1Cpuset.initialise(fs, dir); // parents first: each copies from the one above
                    }
                }
            }
            V1Cgroup cgroup = new V1Cgroup(fs, policy, dirs, created);
            cgroup.apply(resources);
            return cgroup;
        } catch (IOException | RuntimeException e) {
            for (List<Path> made : created) {
                ControlFiles.removeCreated(fs, made, e);
            }
            throw e;
        }
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    @Override
    public Map<String, Path> directories() {
        return dirs;
    }

    @Override
    public void apply(Resources r) throws IOException {
        LimitWriter w = new LimitWriter(fs, policy);
        V1Memory.apply(r.memory(), dirs.get(V1Memory.CONTROLLER), w);
        if (V2Cpu.needed(r.cpu())) {
            V1Cpu.apply(r.cpu(), dirs.get(V1Cpu.CONTROLLER), w);
        }
        if (V2Cpuset.needed(r.cpu())) {
            V1Cpuset.apply(r.cpu(), dirs.get(V1Cpuset.CONTROLLER), w);
        }
        V1Pids.apply(r.pids(), dirs.get(V1Pids.CONTROLLER), w);
        V1Blkio.apply(r.blockIo(), dirs.get(V1Blkio.CONTROLLER), w);
        V1Hugetlb.apply(r, dirs.get(V1Hugetlb.CONTROLLER), w);
        V1Devices.apply(r, dirs.get(V1Devices.CONTROLLER), w);
        V1Network.apply(r.network(), dirs.get("net_cls"), dirs.get("net_prio"), w);
        Rdma.apply(r, dirs.get(Rdma.CONTROLLER), w);
        for (String key : r.unified().keySet()) {
            w.unsupported("unified." + key, Path.of(key), "unified keys name cgroup v2 files; this host drives cgroup v1");
        }
        dropped.addAll(w.dropped());
    }

    @Override
    public List<String> droppedLimits() {
        return List.copyOf(dropped);
    }

    @Override
    public void addProcess(long pid) throws IOException {
        for (Path dir : hierarchies()) {
            fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** One directory per hierarchy (co-mounted controllers share one). */
    private List<Path> hierarchies() {
        return List.copyOf(new java.util.LinkedHashSet<>(dirs.values()));
    }

    @Override
    public List<Long> processes() throws IOException {
        TreeSet<Long> pids = new TreeSet<>();
        for (Path dir : hierarchies()) {
            ControlFiles.pids(fs, dir.resolve("cgroup.procs"), pids); // a removed hierarchy directory has none
        }
        return List.copyOf(pids);
    }

    @Override
    public void freeze() throws IOException {
        setFreezer("FROZEN");
    }

    @Override
    public void thaw() throws IOException {
        setFreezer("THAWED");
    }

    private void setFreezer(String state) throws IOException {
        if (!writeFreezer(state)) {
            Path file = dirs.get("freezer").resolve("freezer.state");
            throw new IOException(file + ": still " + fs.read(file).strip() + " 5 s after writing " + state);
        }
    }

    /** Writes {@code state} and waits up to 5 s for the freezer to reach it; whether it did. */
    private boolean writeFreezer(String state) throws IOException {
        Path freezer = dirs.get("freezer");
        if (freezer == null) {
            throw new UnsupportedLimitException("freeze", Path.of("freezer.state"), "the freezer controller is not mounted");
        }
        Path file = freezer.resolve("freezer.state");
        fs.write(file, state);
        // FREEZING until every task has stopped; the kernel offers no blocking read for it
        return ControlFiles.await(5_000, () -> fs.read(file).strip().equals(state));
    }

    /** The pids in this cgroup and in the sub-cgroups the container made, in every hierarchy. */
    private List<Long> subtreeProcesses() throws IOException {
        TreeSet<Long> pids = new TreeSet<>();
        for (Path dir : hierarchies()) {
            pids.addAll(CgroupTree.processes(fs, dir));
        }
        return List.copyOf(pids);
    }

    @Override
    public void killAll() throws IOException {
        if (subtreeProcesses().isEmpty()) {
            // the common case at delete: freezing an empty cgroup would only cost the freezer's round trip
            return;
        }
        // frozen, no process can fork a child that escapes the signal; SIGKILL is delivered on thaw.
        // v1's freezer can stay FREEZING (a task in an uninterruptible sleep it cannot freeze): then
        // the loop below, which kills until nothing is left, does the job without it
        boolean frozen = dirs.containsKey("freezer") && tryFreeze();
        ControlFiles.sigkill(subtreeProcesses());
        if (frozen) {
            thaw();
        }
        if (!ControlFiles.await(10_000, () -> {
            List<Long> left = subtreeProcesses();
            ControlFiles.sigkill(left); // without a freezer, a fork may have raced the first round
            return left.isEmpty();
        })) {
            throw new IOException(dirs.values().iterator().next() + ": processes " + subtreeProcesses()
                    + " still inside (or below) 10 s after SIGKILL");
        }
    }

    /** Freezes; false, thawed again, when the freezer did not reach FROZEN in time. */
    private boolean tryFreeze() throws IOException {
        if (writeFreezer("FROZEN")) {
            return true;
        }
        thaw();
        return false;
    }

    @Override
    public CgroupStats stats() throws IOException {
        Path mem = dirs.get("memory");
        Path cpuacct = dirs.get("cpuacct");
        Path cpu = dirs.get("cpu");
        Path pids = dirs.get("pids");
        Path blkio = dirs.get("blkio");
        Map<String, Long> acct = cpuacct == null ? Map.of() : ControlFiles.keyValues(fs, cpuacct.resolve("cpuacct.stat"));
        Map<String, Long> cpuStat = cpu == null ? Map.of() : ControlFiles.keyValues(fs, cpu.resolve("cpu.stat"));
        long usageNanos = cpuacct == null ? -1 : ControlFiles.number(fs, cpuacct.resolve("cpuacct.usage"));
        long throttledNanos = cpuStat.getOrDefault("throttled_time", -1L);
        // cpuacct.stat counts USER_HZ ticks, which is 100 on every Linux ABI: 10 ms each
        return new CgroupStats(
                mem == null ? -1 : ControlFiles.number(fs, mem.resolve("memory.usage_in_bytes")),
                mem == null ? -1 : ControlFiles.number(fs, mem.resolve("memory.max_usage_in_bytes")),
                mem == null ? Map.of() : ControlFiles.keyValues(fs, mem.resolve("memory.stat")),
                usageNanos < 0 ? -1 : usageNanos / 1000,
                acct.containsKey("user") ? acct.get("user") * 10_000 : -1,
                acct.containsKey("system") ? acct.get("system") * 10_000 : -1,
                cpuStat.getOrDefault("nr_periods", -1L),
                cpuStat.getOrDefault("nr_throttled", -1L),
                throttledNanos < 0 ? -1 : throttledNanos / 1000,
                pids == null ? -1 : ControlFiles.number(fs, pids.resolve("pids.current")),
                pids == null ? -1 : ControlFiles.number(fs, pids.resolve("pids.peak")),
                blkio == null ? "" : ControlFiles.text(fs, blkio.resolve("blkio.throttle.io_service_bytes")),
                Map.of());
    }

    @Override
    public CgroupEvents events() throws IOException {
        Path first = dirs.values().iterator().next();
        if (!fs.exists(first)) {
            throw new java.nio.file.NoSuchFileException(first.toString(), null, "the cgroup was removed");
        }
        Path mem = dirs.get("memory");
        Path freezer = dirs.get("freezer");
        Path pids = dirs.get("pids");
        boolean frozen = freezer != null && fs.read(freezer.resolve("freezer.state")).strip().equals("FROZEN");
        return new CgroupEvents(!processes().isEmpty(), frozen, -1,
                mem == null ? -1 : ControlFiles.key(fs, mem.resolve("memory.oom_control"), "oom_kill"),
                pids == null ? -1 : ControlFiles.key(fs, pids.resolve("pids.events"), "max"));
    }

    @Override
    public void destroy() throws IOException {
        if (ControlFiles.removeAtOnce(fs, created)) {
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
        if (ControlFiles.removeAtOnce(fs, created)) {
            return; // the common case: every directory was empty and went at the first rmdir
        }
        List<Long> left = subtreeProcesses();
        if (!left.isEmpty()) {
            throw new IllegalStateException("cannot delete " + dirs.values().iterator().next()
                    + ": processes " + left + " are inside (killAll first)");
        }
        IOException first = null;
        for (List<Path> made : created) {
            try {
                if (!made.isEmpty()) {
                    // sub-cgroups the container made (rmdir of a cgroup with children is EBUSY)
                    CgroupTree.removeBelow(fs, made.getLast());
                }
                ControlFiles.removeCreated(fs, made, null);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
