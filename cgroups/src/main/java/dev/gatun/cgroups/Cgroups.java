package dev.gatun.cgroups;

import java.io.IOException;
import java.util.Objects;

/**
 * Creates cgroups: the v2 driver on a unified host, the v1 driver on hybrid and legacy hosts.
 *
 * <p>{@code create} makes the cgroup's directories (and missing parents), applies the limits, and
 * only then returns: no process is inside yet, so the caller can start one straight into it
 * ({@code CLONE_INTO_CGROUP} on v2 with {@link Cgroup#directories()}, or a {@code cgroup.procs}
 * write). If anything fails, what it created is removed and nothing is half-applied. It never
 * takes over an existing cgroup: the leaf must not exist. Stateless and thread-safe.
 *
 * <p>Not supported: the systemd driver (D-Bus), joining existing cgroups, v2 device rules (core's
 * eBPF program).
 */
public final class Cgroups {

    private Cgroups() {}

    /**
     * Creates a cgroup for a container.
     *
     * @param layout from {@link CgroupLayout#detect()}
     * @param path the OCI cgroupsPath ({@link CgroupsPath#parse}; absent means
     *     {@code <own cgroup>/gatun-<containerId>})
     * @param containerId names the default cgroup; may be null when {@code path} is given
     * @param resources the limits to apply before returning
     * @param onUnsupported what to do with limits this host cannot enforce
     * @throws UnsupportedLimitException for a limit the host cannot enforce, under
     *     {@link OnUnsupported#FAIL}
     * @throws java.nio.file.FileAlreadyExistsException when the cgroup exists already
     * @throws UnsupportedOperationException for a systemd-form path
     */
    public static Cgroup create(CgroupLayout layout, CgroupsPath path, String containerId, Resources resources,
            OnUnsupported onUnsupported) throws IOException {
        return create(CgroupFs.REAL, layout, path, containerId, resources, onUnsupported);
    }

    static Cgroup create(CgroupFs fs, CgroupLayout layout, CgroupsPath path, String containerId, Resources resources,
            OnUnsupported onUnsupported) throws IOException {
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(onUnsupported, "onUnsupported");
        if (layout.version() == CgroupVersion.V2) {
            String cgroupPath = path.resolve(layout.unifiedPath(), containerId);
            return V2Cgroup.create(fs, layout.unifiedMount().orElseThrow(), cgroupPath, resources, onUnsupported);
        }
        return V1Cgroup.create(fs, layout, path, containerId, resources, onUnsupported);
    }

    /**
     * On a v1 or hybrid host, the directories {@link #create create} with the same arguments makes
     * (controller → directory, as its {@link Cgroup#directories()} will be), without making any:
     * a planner can work from them while {@code create} runs on another thread. Empty on a v2
     * host, whose one directory a clone opens, so it must exist first.
     */
    public static java.util.Map<String, java.nio.file.Path> v1Directories(CgroupLayout layout, CgroupsPath path,
            String containerId) {
        if (layout.version() == CgroupVersion.V2) {
            return java.util.Map.of();
        }
        return java.util.Collections.unmodifiableMap(V1Cgroup.directories(layout, path, containerId));
    }

    /**
     * A v1 cgroup of {@code directories} that {@link #create create} is making (from
     * {@link #v1Directories}): its {@link Cgroup#version()} and {@link Cgroup#directories()} hold
     * now, its other methods once they exist. It owns nothing: its {@code delete} is not the way
     * to remove what {@code create} made.
     */
    public static Cgroup v1Planned(java.util.Map<String, java.nio.file.Path> directories) {
        return V1Cgroup.existing(CgroupFs.REAL, directories);
    }

    /**
     * The cgroup whose directories a {@link Cgroup#directories()} of an earlier {@code create}
     * returned (in another process, say): for live updates ({@link Cgroup#apply}) and stats. It
     * creates nothing; its {@link Cgroup#delete()} removes only those directories. v2 when the map
     * is one directory under a cgroup2 mount keyed {@code ""}, else v1.
     *
     * @throws java.nio.file.NoSuchFileException when a directory is gone
     */
    public static Cgroup existing(java.util.Map<String, java.nio.file.Path> directories) throws IOException {
        for (java.nio.file.Path dir : directories.values()) {
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw new java.nio.file.NoSuchFileException(dir.toString(), null, "the cgroup directory is gone");
            }
        }
        if (directories.size() == 1 && directories.containsKey("")) {
            return V2Cgroup.existing(CgroupFs.REAL, directories.get(""));
        }
        return V1Cgroup.existing(CgroupFs.REAL, directories);
    }

    /**
     * Kills every process in the cgroup directory {@code dir} and below it, then removes it and
     * every cgroup below it, deepest first: for a cgroup whose creator is gone (core's sweep of
     * what a dead JVM left). Works in any hierarchy, v1 or v2. Only call it on a directory this
     * library made.
     *
     * @return the directories removed, deepest first; empty when {@code dir} does not exist
     * @throws java.io.IOException naming the directory (and the pids) that would not go
     */
    public static java.util.List<java.nio.file.Path> destroy(java.nio.file.Path dir) throws IOException {
        return CgroupTree.destroy(CgroupFs.REAL, dir);
    }
}
