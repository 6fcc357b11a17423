package dev.gatun.core.rootfs;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Step;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Linux;
import dev.gatun.oci.Mount;
import dev.gatun.oci.MountOptions;
import dev.gatun.oci.Spec;
import dev.gatun.oci.ValidationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The root filesystem of one container: validated and prepared by the parent before clone,
 * then appended to the child's syscall program in three parts.
 *
 * <p>Usage, in this order:
 *
 * <pre>{@code
 * RootfsPlan plan = RootfsPlan.prepare(spec, bundle, options); // parent, before clone
 * plan.appendBeforePivot(b);  // in the child, after the namespaces exist (and uid/gid maps are written)
 * plan.appendPivot(b);
 * plan.appendAfterPivot(b);   // then hostname, rlimits, capabilities, ...
 * ...
 * plan.cleanup();             // when the container is deleted, or creation failed
 * }</pre>
 *
 * <p>What the child does, and why in this order (runc's order, see {@code libcontainer/rootfs_linux.go}):
 *
 * <ol>
 *   <li>{@code /} becomes {@code rslave} ({@code rprivate} when {@code rootfsPropagation} asks
 *       for a private kind), so that nothing below propagates back to the host;
 *   <li>with a {@link RootOverlay} (a rootless image root), the overlay is mounted on the rootfs
 *       directory, in the child's own mount namespace;
 *   <li>the rootfs is bind-mounted on itself ({@code MS_BIND|MS_REC}), which makes it a mount
 *       point {@code pivot_root} accepts;
 *   <li>when {@code mounts} has no {@code /dev}: a tmpfs {@code /dev} ({@code nosuid,strictatime,
 *       mode=755,size=65536k}) with the standard devices and links ({@link Devices}), and
 *       {@code /dev/pts} (devpts {@code newinstance,ptmxmode=0666,mode=0620[,gid=5]}) and
 *       {@code /dev/shm} (tmpfs {@code mode=1777,size=65536k}) unless {@code mounts} has them;
 *   <li>{@code mounts}, in order; when one of them is a non-bind {@code /dev}, the devices and
 *       links follow it; {@code /proc} is mounted here, before {@code pivot_root}, which a user
 *       namespace requires;
 *   <li>{@code pivot_root(".", ".")}, {@code umount2(".", MNT_DETACH)}, {@code chdir("/")}: the
 *       old root is gone from the container's mount table (or the documented chroot fallback,
 *       {@link RootfsOptions#pivot()});
 *   <li>{@code maskedPaths}: the host's {@code /dev/null} on a file (a clone made with {@code
 *       open_tree} before {@code pivot_root}, checked by the parent to be 1:3: never the
 *       container's, which an image can make a symlink, CVE-2025-31133), an empty read-only
 *       tmpfs on a directory; {@code readonlyPaths}: bound on themselves and remounted
 *       read-only; both tolerate ENOENT, as the spec says a missing path is not an error;
 *   <li>{@code root.readonly}: {@code /} remounted {@code MS_BIND|MS_REMOUNT|MS_RDONLY} with the
 *       flags the host mount already had; then {@code rootfsPropagation} on {@code /}.
 * </ol>
 *
 * <p>Mount targets: a destination is resolved by the parent inside the rootfs with
 * {@code openat2(RESOLVE_IN_ROOT)} ({@link InRoot} documents the escape rule), missing mount
 * points are created on disk (a directory, or an empty file when the bind source is a file),
 * and the child mounts on the resolved host path under the rootfs: the child runs in its own
 * copy of the mount table, where an O_PATH fd of the parent's would name the wrong mount. A
 * destination below an earlier mount is placed inside it instead: below a file system the child
 * mounted (tmpfs, proc, ...) the child makes the mount point itself ({@code mkdirat}, a fresh
 * file system holds no links); below a bind mount of a directory, the parent resolves it inside
 * the bind's source (with the same rule, the source as the root) and creates a missing mount
 * point there: the only case where the parent creates something outside the rootfs, as runc
 * does, listed in {@link #createdPaths()} and removed by {@link #cleanup()}. Below any other
 * file system (proc, sysfs, cgroup, devpts, mqueue, overlay ...) no mount point is made: its
 * paths could meet links the parent cannot check, such as {@code /proc/self/root}, the host's
 * root until {@code pivot_root}; only {@code /sys/fs/cgroup} below a sysfs and the lxcfs files
 * below a proc are accepted, as they exist there.
 *
 * <p>{@code /proc}, as runc's {@code checkProcMount}: {@code /proc} itself only as a proc mount,
 * below it only bind mounts on {@code /proc/cpuinfo}, {@code diskstats}, {@code meminfo},
 * {@code stat}, {@code swaps}, {@code uptime}, {@code loadavg}, {@code slabinfo} (lxcfs); nothing
 * may cover the files the runtime writes (CVE-2025-52881). A proc, sysfs or cgroup mount whose
 * destination goes through a symlink is refused (CVE-2019-19921, CVE-2023-27561).
 *
 * <p>The steps must run in a child cloned with {@code CLONE_NEWNS}; in a new user namespace, after
 * the parent wrote the uid/gid maps.
 *
 * <p>Mount types: any file system type with its flags and data (proc, tmpfs, devpts, mqueue,
 * overlay with {@code lowerdir=...} in its options, ...); {@code bind}/{@code rbind}; {@code
 * sysfs} without a new network namespace becomes a read-only recursive bind of the host's
 * {@code /sys}; {@code cgroup}: only the container's own cgroup ({@link RootfsOptions#cgroupDirectories()}):
 * on a pure v2 host in a cgroup namespace a {@code cgroup2} mount, on v2 without one a bind of
 * its directory, on v1 and hybrid hosts (as runc) a tmpfs with one bind per hierarchy of its
 * own directory; read-only unless the mount is not {@code ro} and the container has its own
 * cgroup and user namespaces. Never the host's hierarchy.
 *
 * <p>Not supported yet, rejected with an error naming the option: idmapped mounts ({@code
 * idmap}, {@code ridmap}, {@code uidMappings}), the {@code tmpcopyup} extension, devices outside
 * {@code /dev}, a mount on {@code /}, a destination whose path crosses a dangling symlink.
 * Not done here: SELinux mount labels, {@code /dev/console} (the terminal's: see
 * {@link dev.gatun.core.io.ContainerConsole}, placed after {@code pivot_root}),
 * {@code /dev/mqueue} (add it to {@code mounts}).
 *
 * <p>Errors: bad input is an {@link InvalidSpecException} listing every problem with its JSON
 * path ({@code $.mounts[2].destination: "var/x" is not absolute}); an OS refusal while preparing
 * is an {@link IOException}. Either way {@code prepare} removes what it created first.
 *
 * <p>Immutable after {@code prepare} except for {@link #cleanup()}; thread-safe.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#mounts">config.md mounts</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md">config-linux.md</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/pivot_root.2.html">pivot_root(2)</a>
 */
public final class RootfsPlan {

    private final Path rootfs;
    private final List<Step> beforePivot;
    private final List<Step> pivot;
    private final List<Step> afterPivot;
    private final List<Path> created;

    RootfsPlan(Path rootfs, List<Step> beforePivot, List<Step> pivot, List<Step> afterPivot, List<Path> created) {
        this.rootfs = rootfs;
        this.beforePivot = List.copyOf(beforePivot);
        this.pivot = List.copyOf(pivot);
        this.afterPivot = List.copyOf(afterPivot);
        this.created = new ArrayList<>(created);
    }

    /**
     * Validates the root and mounts of {@code spec}, resolves every mount target inside the
     * rootfs, creates the missing mount points, and plans the child's steps.
     *
     * @param spec the container's configuration; {@code root.path} relative to {@code bundle}
     * @param bundle the bundle directory; relative bind sources are resolved against it too
     * @param options facts about the other namespaces
     * @throws InvalidSpecException for bad input, naming every problem's JSON path and value
     * @throws IOException when the OS refuses a lookup or a creation
     */
    public static RootfsPlan prepare(Spec spec, Path bundle, RootfsOptions options) throws IOException {
        return prepare(spec, bundle, options, null);
    }

    /**
     * As {@link #prepare(Spec, Path, RootfsOptions)}, with {@code overlay} (when not null) mounted
     * by the child on the rootfs directory right after {@code /} stops propagating and before the
     * rootfs's own bind: every lookup reads {@code overlay.lookupTree()}, and the missing mount points
     * are made by the child in the overlay, so the parent writes nothing in the tree or the rootfs.
     */
    public static RootfsPlan prepare(Spec spec, Path bundle, RootfsOptions options, ChildRoot overlay)
            throws IOException {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(options, "options");
        Path rootfs = rootfs(spec, bundle);
        InRoot root = overlay == null ? InRoot.open(rootfs) : InRoot.openView(overlay.lookupTree(), rootfs);
        try (RootfsPlanner planner = new RootfsPlanner(spec, bundle, options, root, overlay)) {
            return planner.plan();
        }
    }

    private static Path rootfs(Spec spec, Path bundle) throws IOException {
        String path = spec.root() == null ? null : spec.root().path();
        if (path == null || path.isEmpty()) {
            throw invalid("$.root.path", "is required");
        }
        Path dir = bundle.resolve(path);
        if (!Files.isDirectory(dir)) {
            throw invalid("$.root.path", "\"" + path + "\" is not a directory (looked at " + dir + ")");
        }
        if (dir.toRealPath().getNameCount() == 0) {
            throw invalid("$.root.path", "\"" + path + "\" is the host's root directory");
        }
        return dir;
    }

    private static InvalidSpecException invalid(String path, String message) {
        return new InvalidSpecException("config.json", List.of(new ValidationError(path, message)));
    }

    /**
     * Whether the container's {@code /dev/pts} will be a devpts of its own, as {@link #prepare}
     * plans the mounts: the default {@code /dev}'s devpts (when {@code mounts} has no {@code /dev}
     * and no {@code /dev/pts}), or the last mount at {@code /dev/pts} being of type
     * {@code devpts} (not a bind) with no {@code /dev} mounted over it later. Every devpts mount is
     * a new instance since Linux 4.7, so its first pty is {@code /dev/pts/0}. Reads only the spec.
     */
    public static boolean hasOwnDevpts(Spec spec) {
        List<Mount> mounts = spec.mounts() == null ? List.of() : spec.mounts();
        // no /dev in mounts: the default tmpfs /dev, with a devpts unless mounts has /dev/pts,
        // which then decides below
        boolean devpts = !RootfsPlanner.mountsAt(mounts, "/dev");
        for (Mount m : mounts) {
            String dest = RootfsPlanner.clean(m.destination());
            if ("/dev".equals(dest)) {
                devpts = false; // a /dev mounted later hides an earlier /dev/pts
            } else if ("/dev/pts".equals(dest)) {
                devpts = "devpts".equals(m.type()) && !optionsOf(m).isBind();
            }
        }
        return devpts;
    }

    /** The rootfs directory as the kernel names it (bundle symlinks resolved): the child's mount targets start with it. */
    public Path rootfs() {
        return rootfs;
    }

    /** Appends the steps up to {@code pivot_root}: propagation, the rootfs bind, /dev, the mounts. */
    public void appendBeforePivot(Program.Builder b) {
        for (Step s : beforePivot) {
            b.step(s);
        }
    }

    /** Appends {@code pivot_root(".", ".")}, the old root's detach and {@code chdir("/")} (or the chroot fallback). */
    public void appendPivot(Program.Builder b) {
        for (Step s : pivot) {
            b.step(s);
        }
    }

    /** Appends masked paths, read-only paths, the read-only root and the root propagation. */
    public void appendAfterPivot(Program.Builder b) {
        for (Step s : afterPivot) {
            b.step(s);
        }
    }

    /** The three parts as one program, for the dry run and for tests. */
    public Program program() {
        Program.Builder b = Program.builder();
        appendBeforePivot(b);
        appendPivot(b);
        appendAfterPivot(b);
        return b.build();
    }

    /** The mount points {@code prepare} created on disk (inside the rootfs or a bind source), oldest first. */
    public synchronized List<Path> createdPaths() {
        return List.copyOf(created);
    }

    /**
     * Removes the mount points {@code prepare} created, newest first, each only while it is still
     * empty; idempotent. Call it when the container is deleted or its creation failed. Nothing
     * else is left by the parent: every mount is in the child's mount namespace and goes with it.
     *
     * <p>A writable rootfs is the container's to change: each removal reaches its directory
     * without following a symlink ({@link InRoot#removeMade}), so a link the container put where
     * a made directory was leaves that mount point in place, reported, and leads nowhere.
     *
     * @return the paths that could not be removed (not empty any more, or no longer reached
     *     without a symlink); empty normally
     */
    public synchronized List<Path> cleanup() {
        List<Path> left = new ArrayList<>();
        for (Path p : created.reversed()) {
            if (!InRoot.removeMade(p)) {
                left.add(p);
            }
        }
        created.clear();
        return left;
    }

    @Override
    public String toString() {
        return "RootfsPlan[" + rootfs + ", " + (beforePivot.size() + pivot.size() + afterPivot.size()) + " steps]";
    }

    /**
     * Removes {@code path}, which a runtime step made in a tree a container could write (a
     * directory only while empty), without following a symlink anywhere on the way to it.
     *
     * @return whether it is gone; false when it stays (not empty, or reached only through a link)
     */
    public static boolean removeMade(Path path) {
        return InRoot.removeMade(path);
    }

    /**
     * Removes the runtime-owned tree {@code dir} with all it holds (what a writable root's
     * container wrote there too), following no symlink and crossing no mount.
     *
     * @return the paths that stay (a mount, or what could not be removed); empty normally
     */
    public static List<Path> removeTree(Path dir) {
        return InRoot.removeTree(dir);
    }

    /** Reads a mount's options, with type {@code bind} meaning the option {@code bind}, as runc reads it. */
    static MountOptions optionsOf(Mount m) {
        List<String> options = new ArrayList<>();
        if ("bind".equals(m.type())) {
            options.add("bind");
        }
        if (m.options() != null) {
            options.addAll(m.options());
        }
        return MountOptions.parse(options);
    }

    /** The {@code linux} section's lists, never null. */
    static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    /** The devices of {@code linux}, never null. */
    static List<Linux.Device> devices(Linux linux) {
        return linux == null || linux.devices() == null ? List.of() : linux.devices();
    }
}
