package dev.gatun.core.rootfs;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Slot;
import dev.gatun.core.spawn.Step;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Mount;
import dev.gatun.oci.MountOptions;
import dev.gatun.oci.Spec;
import dev.gatun.oci.ValidationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The work behind {@link RootfsPlan#prepare}: one instance per call, not thread-safe. Collects
 * every problem before failing, and removes what it created when it fails.
 */
final class RootfsPlanner implements AutoCloseable {

    private static final long DEV_FLAGS = MountOptions.MS_NOSUID | MountOptions.MS_STRICTATIME;
    private static final long PTS_FLAGS = MountOptions.MS_NOSUID | MountOptions.MS_NOEXEC;
    private static final long OPEN_TREE_CLONE = 1;
    private static final long OPEN_TREE_CLOEXEC = 02000000;
    private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long SHM_FLAGS = MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC;

    /**
     * The only destinations allowed below {@code /proc}: files that lxcfs emulates, bound over the
     * kernel's (runc's {@code checkProcMount} list without {@code /proc/sys}: the runtime writes
     * sysctls there, and a bind below {@code /proc/sys} would take those writes).
     */
    static final List<String> PROC_FILES = List.of("/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
            "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo");

    /** File systems the child makes fresh and empty: the only ones it may create mount points in. */
    private static final List<String> FRESH = List.of("tmpfs", "ramfs");

    /** Kinds of mount that must never be made through a symlink (CVE-2019-19921, CVE-2023-27561). */
    private static final List<String> NO_SYMLINK = List.of("proc", "sysfs", "cgroup", "cgroup2");

    /**
     * What sits at a destination once the child has mounted it: a file system it made (its
     * {@code type}), or a bind ({@code type} "bind", with its source).
     */
    private record Placed(String destination, String target, long flags, Path bindSource, String type) {
        boolean isBind() {
            return bindSource != null;
        }
    }

    private final Spec spec;
    private final Path bundle;
    private final RootfsOptions options;
    private final InRoot root;
    private final ChildRoot overlay;
    private final Map<Path, InRoot> bindRoots = new HashMap<>();
    private final List<String> errors = new ArrayList<>();
    private final List<Placed> placed = new ArrayList<>();
    /** The masks' clones of the host's /dev/null: before any mount of the spec. */
    private final Program.Builder nulls = Program.builder();
    private final Program.Builder before = Program.builder();
    private final Program.Builder after = Program.builder();
    private final List<Path> created = new ArrayList<>();
    private boolean hostNullChecked;

    RootfsPlanner(Spec spec, Path bundle, RootfsOptions options, InRoot root, ChildRoot overlay) {
        this.spec = spec;
        this.bundle = bundle;
        this.options = options;
        this.root = root;
        this.overlay = overlay;
    }

    RootfsPlan plan() throws IOException {
        try {
            return planOrThrow();
        } catch (IOException | RuntimeException e) {
            new RootfsPlan(root.root(), List.of(), List.of(), List.of(), createdSoFar()).cleanup();
            throw e;
        }
    }

    private RootfsPlan planOrThrow() throws IOException {
        String rootPath = root.root().toString();
        long propagation = rootPropagation();
        boolean privateKind = propagation > 0 && (propagation & MountOptions.MS_PRIVATE) != 0;
        before.mount(null, "/", null, MountOptions.MS_REC | (privateKind ? MountOptions.MS_PRIVATE : MountOptions.MS_SLAVE), null);
        if (overlay != null) {
            // in the child's own mount namespace, after "/" stopped propagating: the JVM's never sees it
            overlay.appendMount(before, rootPath);
        }
        before.mount(rootPath, rootPath, null, Mounts.MS_BIND | Mounts.MS_REC, null);
        int head = before.build().steps().size();
        List<Mount> mounts = spec.mounts() == null ? List.of() : spec.mounts();
        List<Devices.Node> nodes = Devices.merge(RootfsPlan.devices(spec.linux()), errors);
        if (!mountsAt(mounts, "/dev")) {
            defaultDev(mounts, nodes);
        }
        for (int i = 0; i < mounts.size(); i++) {
            mount(i, mounts.get(i), nodes);
        }
        maskedPaths();
        readonlyPaths();
        if (spec.root().readonly() != null && spec.root().readonly()) {
            after.mount(null, "/", null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY
                    | MountTable.lockedFlags(root.root()), null);
        }
        if (propagation > 0) {
            after.mount(null, "/", null, propagation, null);
        }
        if (!errors.isEmpty()) {
            throw new InvalidSpecException("config.json", errors.stream().map(RootfsPlanner::error).toList());
        }
        // the clones right after the rootfs's own bind: before any mount of the spec, and after
        // the mount that becomes the container's "/" (mountinfo lists mounts as they were made)
        List<Step> steps = before.build().steps();
        List<Step> beforePivot = new ArrayList<>(steps.subList(0, head));
        beforePivot.addAll(nulls.build().steps());
        beforePivot.addAll(steps.subList(head, steps.size()));
        return new RootfsPlan(root.root(), beforePivot, pivot(rootPath), after.build().steps(), createdSoFar());
    }

    private List<Step> pivot(String rootPath) {
        Program.Builder b = Program.builder().chdir(rootPath);
        if (options.pivot()) {
            b.pivotRoot(".", ".").umount2(".", Mounts.MNT_DETACH);
        } else {
            b.mount(rootPath, "/", null, Mounts.MS_MOVE, null).syscall("chroot", new Arg.Text("."));
        }
        return b.chdir("/").build().steps();
    }

    /** The {@code rootfsPropagation} flags, 0 when absent, -1 (and an error) when unknown. */
    private long rootPropagation() {
        String value = spec.linux() == null ? null : spec.linux().rootfsPropagation();
        if (value == null || value.isEmpty()) {
            return 0;
        }
        long flags = Mounts.propagation(value);
        if (flags < 0) {
            errors.add("$.linux.rootfsPropagation: \"" + value + "\" must be one of shared, slave, private, "
                    + "unbindable, rshared, rslave, rprivate, runbindable");
        }
        return flags;
    }

    /** A tmpfs /dev with the devices and links, /dev/pts and /dev/shm, unless {@code mounts} has them. */
    private void defaultDev(List<Mount> mounts, List<Devices.Node> nodes) throws IOException {
        String dev = target("$.root.path", "/dev", InRoot.Create.DIRECTORY);
        if (dev == null) {
            return;
        }
        before.mount("tmpfs", dev, "tmpfs", DEV_FLAGS, "mode=755,size=65536k");
        place(new Placed("/dev", dev, DEV_FLAGS, null, "tmpfs"));
        Devices.append(before, dev, nodes, options.newUserNamespace());
        if (!mountsAt(mounts, "/dev/pts")) {
            boolean gid = !options.newUserNamespace() || options.ttyGroupMapped();
            before.mkdirIfMissing(LibC.AT_FDCWD, dev + "/pts", 0755)
                    .mount("devpts", dev + "/pts", "devpts", PTS_FLAGS,
                            "newinstance,ptmxmode=0666,mode=0620" + (gid ? ",gid=5" : ""));
            place(new Placed("/dev/pts", dev + "/pts", PTS_FLAGS, null, "devpts"));
        }
        if (!mountsAt(mounts, "/dev/shm")) {
            before.mkdirIfMissing(LibC.AT_FDCWD, dev + "/shm", 01777)
                    .mount("shm", dev + "/shm", "tmpfs", SHM_FLAGS, "mode=1777,size=65536k");
            place(new Placed("/dev/shm", dev + "/shm", SHM_FLAGS, null, "tmpfs"));
        }
    }

    private void mount(int i, Mount m, List<Devices.Node> nodes) throws IOException {
        String at = "$.mounts[" + i + "]";
        String dest = m.destination();
        if (dest == null || dest.isEmpty()) {
            errors.add(at + ".destination: is required");
            return;
        }
        if (!dest.startsWith("/")) {
            errors.add(at + ".destination: \"" + dest + "\" is not absolute");
            return;
        }
        String clean = clean(dest);
        if (clean.equals("/")) {
            errors.add(at + ".destination: \"" + dest + "\" is the container's root; mounting over / is not supported");
            return;
        }
        MountOptions o = RootfsPlan.optionsOf(m);
        if (!supported(at, m, o) || !allowedInProc(at, m, clean, o)) {
            return;
        }
        String type = m.type();
        if (o.isBind()) {
            bindMount(at, m, clean, o);
        } else if ("cgroup".equals(type) || "cgroup2".equals(type)) {
            cgroupMount(at, clean, o);
        } else if ("sysfs".equals(type) && !options.newNetNamespace()) {
            hostBind(at, "/sys", clean, o);
        } else {
            if (type == null || type.isEmpty()) {
                errors.add(at + ".type: is required for a mount that is not a bind mount");
                return;
            }
            String target = target(at + ".destination", clean, InRoot.Create.DIRECTORY, NO_SYMLINK.contains(type));
            if (target == null) {
                return;
            }
            Mounts.fileSystem(before, m.source() == null || m.source().isEmpty() ? type : m.source(), target, type, o);
            place(new Placed(clean, target, o.flags(), null, type));
            if (clean.equals("/dev")) {
                Devices.append(before, target, nodes, options.newUserNamespace());
            }
        }
    }

    /**
     * Whether the destination is allowed with respect to {@code /proc}; adds an error otherwise.
     * As runc's {@code checkProcMount}: {@code /proc} itself only as a proc file system, below it
     * only binds on {@link #PROC_FILES}. Below {@code /proc} the child's paths meet magic links
     * such as {@code /proc/self/root}, the host's root until {@code pivot_root}; a mount over a
     * procfs file would take the writes meant for the kernel (CVE-2025-52881: the runtime's own
     * go through the host's {@code /proc} since, the container's tools' do not) and could undo
     * the masked and read-only paths.
     */
    private boolean allowedInProc(String at, Mount m, String dest, MountOptions o) {
        if (dest.equals("/proc")) {
            if (o.isBind() && isProcRoot(m.source())) {
                // a bind of a proc file system's root, as runc allows it: the only /proc a new user
                // namespace may have when its PID namespace is not its own (the kernel refuses a
                // new proc mount there); writes still reach the kernel, and the masks apply on top
                return true;
            }
            if (o.isBind() || !"proc".equals(m.type())) {
                errors.add(at + ".destination: \"/proc\" must be a mount of type proc, not "
                        + (o.isBind() ? "a bind" : "\"" + m.type() + "\"") + " (what is written to /proc/sys and "
                        + "/proc/self must reach the kernel, and the masked paths must hide the kernel's files)");
                return false;
            }
            return true;
        }
        if (!dest.startsWith("/proc/") || o.isBind() && PROC_FILES.contains(dest)) {
            return true;
        }
        errors.add(at + ".destination: \"" + dest + "\" is inside /proc; only bind mounts on " + String.join(", ", PROC_FILES)
                + " are allowed there (as lxcfs makes)");
        return false;
    }

    /**
     * Whether {@code source} is the root directory of a proc file system ({@code /proc} on the
     * host), not a file or magic link inside one: only then is a bind of it a {@code /proc}.
     */
    private static boolean isProcRoot(String source) {
        if (source == null || !source.startsWith("/")) {
            return false;
        }
        try {
            Path real = Path.of(source).toRealPath();
            return real.equals(Path.of("/proc")) && "proc".equals(Files.getFileStore(real).type());
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether the mount uses only what is supported; adds an error otherwise. */
    private boolean supported(String at, Mount m, MountOptions o) {
        if (o.idmap() || m.uidMappings() != null && !m.uidMappings().isEmpty()
                || m.gidMappings() != null && !m.gidMappings().isEmpty()) {
            errors.add(at + ": idmapped mounts are not supported yet");
            return false;
        }
        if (!o.extensions().isEmpty()) {
            errors.add(at + ".options: " + o.extensions() + " is not supported yet");
            return false;
        }
        return true;
    }

    private void bindMount(String at, Mount m, String dest, MountOptions o) throws IOException {
        if (m.source() == null || m.source().isEmpty()) {
            errors.add(at + ".source: is required for a bind mount");
            return;
        }
        Path source = bundle.resolve(m.source());
        if (!Files.exists(source)) {
            errors.add(at + ".source: \"" + m.source() + "\" does not exist (looked at " + source + ")");
            return;
        }
        boolean dir = Files.isDirectory(source);
        String target = target(at + ".destination", dest, dir ? InRoot.Create.DIRECTORY : InRoot.Create.FILE);
        if (target == null) {
            return;
        }
        Path real = source.toRealPath();
        Mounts.bind(before, real.toString(), target, o, options.newUserNamespace()
                ? MountTable.lockedFlagsInUserNamespace(real) : MountTable.lockedFlags(real));
        place(new Placed(dest, target, o.flags(), real, "bind"));
    }

    /** A recursive bind of a host directory, read-only when the mount is (sysfs without a netns). */
    private void hostBind(String at, String hostDir, String dest, MountOptions o) throws IOException {
        String target = target(at + ".destination", dest, InRoot.Create.DIRECTORY, true);
        if (target == null) {
            return;
        }
        before.mount(hostDir, target, null, Mounts.MS_BIND | Mounts.MS_REC, null);
        long flags = o.flags() & ~(Mounts.MS_BIND | Mounts.MS_REC | Mounts.MS_REMOUNT);
        if (flags != 0) {
            before.mount(hostDir, target, null, Mounts.MS_BIND | Mounts.MS_REMOUNT | flags
                    | (MountTable.lockedFlags(Path.of(hostDir)) & ~o.clearedFlags()), null);
        }
        if (o.isReadOnly()) {
            Mounts.setattr(before, target, MountOptions.MOUNT_ATTR_RDONLY, 0);
        }
        Mounts.after(before, target, o);
        // placed as a file system, not as a bind: mount points below it are made by the child and
        // fail there, rather than be created by the parent in the host's /sys
        place(new Placed(dest, target, o.flags() | MountTable.lockedFlags(Path.of(hostDir)), null, "sysfs"));
    }

    /**
     * A {@code cgroup} mount shows the container its own cgroup and nothing else of the host's
     * hierarchy: on a pure v2 host in its own cgroup namespace a {@code cgroup2} mount (whose root
     * is the namespace's, the container's cgroup); otherwise, as runc does on v1, a tmpfs with one
     * bind per hierarchy of the container's own directory ({@code memory/} is the container's
     * {@code /sys/fs/cgroup/memory/<path>}), and on v2 without a cgroup namespace a bind of its
     * directory. Without a cgroup the tmpfs stays empty. Read-only unless the mount is not
     * {@code ro} and writing is safe: the container has its own cgroup namespace and its own user
     * namespace (a real root could otherwise raise its own limits, or lift the devices rules).
     */
    private void cgroupMount(String at, String dest, MountOptions o) throws IOException {
        String target = target(at + ".destination", dest, InRoot.Create.DIRECTORY, true);
        if (target == null) {
            return;
        }
        boolean writable = !o.isReadOnly() && options.newCgroupNamespace() && options.newUserNamespace();
        long kept = o.flags() & (MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC);
        Map<String, Path> dirs = options.cgroupDirectories();
        boolean hostCgroup2Below = bindsHostCgroup2At(dest);
        place(new Placed(dest, target, o.flags(), null, "cgroup"));
        if (hostCgroup2Below) {
            // an earlier bind (runc's rootless spec binds the host's /sys) put the host's cgroup2
            // mount here: a cgroup2 mount of the same superblock on it fails with EBUSY, and it
            // would show the host's whole hierarchy; so, as runc falls back, a bind of the
            // container's own directory, or an empty tmpfs when it has none
            if (dirs.containsKey("")) {
                bindCgroupDirectory(dirs.get(""), target, writable);
            } else {
                before.mount("tmpfs", target, "tmpfs", kept | Mounts.MS_RDONLY, "mode=755");
            }
            return;
        }
        if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) && options.newCgroupNamespace()) {
            before.mount("cgroup2", target, "cgroup2", kept | (writable ? 0 : Mounts.MS_RDONLY), null);
            return;
        }
        if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) && dirs.containsKey("")) {
            bindCgroupDirectory(dirs.get(""), target, writable);
            return;
        }
        before.mount("tmpfs", target, "tmpfs", kept, "mode=755");
        Map<String, Path> hierarchies = new LinkedHashMap<>();
        for (Map.Entry<String, Path> dir : dirs.entrySet()) {
            Path d = dir.getValue();
            Path base = Path.of("/sys/fs/cgroup");
            hierarchies.putIfAbsent(d.startsWith(base) && !d.equals(base) ? base.relativize(d).getName(0).toString()
                    : dir.getKey(), d);
        }
        for (Map.Entry<String, Path> h : hierarchies.entrySet()) {
            String at2 = target + "/" + h.getKey();
            before.mkdirIfMissing(LibC.AT_FDCWD, at2, 0755);
            bindCgroupDirectory(h.getValue(), at2, writable);
        }
        if (o.isReadOnly()) {
            before.mount(null, target, null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | kept, null);
        }
    }

    /**
     * Whether a bind placed earlier covers {@code dest} with the host's pure-v2 cgroup2 mount point
     * ({@code /sys/fs/cgroup} of a pure cgroup v2 host, reached through a bind of {@code /sys}).
     */
    private boolean bindsHostCgroup2At(String dest) {
        Placed e = enclosing(dest);
        if (e == null || !e.isBind() || !Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
            return false;
        }
        Path host = e.bindSource().resolve(Path.of(e.destination()).relativize(Path.of(dest)).toString()).normalize();
        return host.equals(Path.of("/sys/fs/cgroup"));
    }

    /** A recursive bind of the container's own cgroup directory {@code dir}, remounted read-only unless writable. */
    private void bindCgroupDirectory(Path dir, String target, boolean writable) throws IOException {
        before.mount(dir.toString(), target, null, Mounts.MS_BIND | Mounts.MS_REC, null);
        if (!writable) {
            before.mount(dir.toString(), target, null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY
                    | MountTable.lockedFlags(dir), null);
        }
    }

    /**
     * The host path the child mounts on for the container path {@code dest}, with the mount point
     * made (by the parent now, or by a child step); null after adding an error.
     */
    private String target(String at, String dest, InRoot.Create create) throws IOException {
        return target(at, dest, create, false);
    }

    /**
     * {@link #target(String, String, InRoot.Create)}; with {@code noSymlink}, a destination whose
     * path in the rootfs goes through a symlink is an error (a proc, sysfs or cgroup mount: CVE-2019-19921).
     */
    private String target(String at, String dest, InRoot.Create create, boolean noSymlink) throws IOException {
        try {
            String path = followLinks(dest);
            if (!path.equals(dest)) {
                if (noSymlink) {
                    throw new InRoot.Unresolvable("goes through a symlink (it resolves to " + path
                            + "); this kind of mount is never made through one");
                }
                if (path.equals("/") || path.equals("/proc") || path.startsWith("/proc/")) {
                    throw new InRoot.Unresolvable("resolves to \"" + path + "\" through a symlink, where no mount may go");
                }
            }
            Placed outer = enclosing(path);
            if (outer == null) {
                String target = root.resolve(path, create).orElseThrow().toString();
                for (InRoot.Missing m : root.takeMissing()) { // a view's: made in the overlay by the child
                    childMakes(m.path().toString(), m.file());
                }
                return target;
            }
            String rest = path.equals(outer.destination()) ? "" : path.substring(outer.destination().length() + 1);
            if (rest.isEmpty()) {
                return outer.target();
            }
            if (outer.isBind()) {
                return inBindSource(outer, rest, create);
            }
            if (!FRESH.contains(outer.type())) {
                return inPseudoFileSystem(outer, rest);
            }
            String first = InRoot.names(rest).getFirst();
            if (outer.destination().equals("/dev") && Devices.LINKS.containsKey("/dev/" + first)) {
                throw new InRoot.Unresolvable("goes through /dev/" + first + ", a symlink the runtime makes to "
                        + Devices.LINKS.get("/dev/" + first));
            }
            childMakes(outer.target(), rest, create);
            return outer.target() + "/" + rest;
        } catch (InRoot.Unresolvable e) {
            errors.add(at + ": \"" + dest + "\": " + e.getMessage());
            return null;
        }
    }

    /**
     * The container path {@code dest} names once the symlinks in the rootfs are read (inside it),
     * up to the first placed mount or the first missing component: the child's mount target is a
     * path string, read again in the child's mount table, where a mount placed at a link's target
     * (a proc at /proc, for /myproc -> /proc) would otherwise be crossed without the rules below.
     */
    private String followLinks(String dest) throws InRoot.Unresolvable, IOException {
        List<String> names = InRoot.names(dest);
        String resolved = "";
        for (int i = 0; i < names.size(); i++) {
            String path = resolved;
            if (!path.isEmpty() && placed.stream().anyMatch(p -> p.destination().equals(path))) {
                return path + "/" + String.join("/", names.subList(i, names.size()));
            }
            String next = path + "/" + names.get(i);
            Optional<Path> host = root.resolve(next, InRoot.Create.NOTHING);
            if (host.isEmpty()) {
                return next + (i + 1 < names.size() ? "/" + String.join("/", names.subList(i + 1, names.size())) : "");
            }
            String relative = root.root().relativize(host.get()).toString();
            resolved = relative.isEmpty() ? "" : "/" + relative;
        }
        return resolved.isEmpty() ? "/" : resolved;
    }

    /**
     * The target of {@code dest} below a file system that is not fresh (proc, sysfs, cgroup, devpts,
     * overlay ...): the child creates nothing there, its paths could meet links the parent cannot
     * check; only the mount points such file systems always have are accepted.
     */
    private String inPseudoFileSystem(Placed outer, String rest) throws InRoot.Unresolvable {
        boolean procFile = outer.type().equals("proc") && PROC_FILES.contains("/proc/" + rest);
        boolean cgroupDir = outer.type().equals("sysfs") && rest.equals("fs/cgroup");
        if (procFile || cgroupDir) {
            return outer.target() + "/" + rest;
        }
        throw new InRoot.Unresolvable("is below " + outer.destination() + ", a " + outer.type() + " mount, where Gatun "
                + "makes no mount point (only in the rootfs, bind mounts, tmpfs and ramfs)");
    }

    private String inBindSource(Placed outer, String rest, InRoot.Create create) throws IOException, InRoot.Unresolvable {
        if (!Files.isDirectory(outer.bindSource())) {
            throw new InRoot.Unresolvable("is below " + outer.destination() + ", a bind mount of a file");
        }
        InRoot source = bindRoots.get(outer.bindSource());
        if (source == null) {
            source = InRoot.open(outer.bindSource());
            bindRoots.put(outer.bindSource(), source);
        }
        Path host = source.resolve("/" + rest, create).orElseThrow();
        return outer.target() + (host.equals(source.root()) ? "" : "/" + source.root().relativize(host));
    }

    /** Steps that make the mount point {@code rest} below a file system the child mounted at {@code base}. */
    private void childMakes(String base, String rest, InRoot.Create create) {
        List<String> names = InRoot.names(rest);
        String path = base;
        for (int i = 0; i < names.size(); i++) {
            path = path + "/" + names.get(i);
            childMakes(path, i == names.size() - 1 && create == InRoot.Create.FILE);
        }
    }

    /** A step that makes the mount point {@code path}: an empty file, or a directory (either kept when there). */
    private void childMakes(String path, boolean file) {
        if (file) {
            Slot fd = Slot.named("fd");
            before.step(Step.of("openat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(path),
                    Arg.flags(LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC, Flags.OPEN),
                    Arg.mode(0644)).storingIn(fd)).close(fd);
        } else {
            before.mkdirIfMissing(LibC.AT_FDCWD, path, 0755);
        }
    }

    /** Records {@code p}; the mounts it hides (at or below its destination) are forgotten. */
    private void place(Placed p) {
        placed.removeIf(q -> Path.of(q.destination()).startsWith(Path.of(p.destination())));
        placed.add(p);
    }

    /** The latest placed mount whose destination is {@code dest} or a parent of it; null when none. */
    private Placed enclosing(String dest) {
        Placed best = null;
        for (Placed p : placed) {
            if (Path.of(dest).startsWith(Path.of(p.destination()))
                    && (best == null || p.destination().length() >= best.destination().length())) {
                best = p;
            }
        }
        return best;
    }

    private void maskedPaths() throws IOException {
        List<String> paths = RootfsPlan.orEmpty(spec.linux() == null ? null : spec.linux().maskedPaths());
        for (int i = 0; i < paths.size(); i++) {
            String path = absolute("$.linux.maskedPaths[" + i + "]", paths.get(i));
            if (path == null) {
                continue;
            }
            Optional<Boolean> dir = isDirectory("$.linux.maskedPaths[" + i + "]", path);
            if (dir.isEmpty()) {
                continue;
            }
            if (dir.get()) {
                after.step(Step.of("mount", text("tmpfs"), text(path), text("tmpfs"),
                        Arg.flags(Mounts.MS_RDONLY, Flags.MOUNT), text(null))
                        .allowing(Errno.ENOENT));
            } else {
                maskWithNull(i, path);
            }
        }
    }

    /**
     * Masks the file {@code path} with the host's {@code /dev/null}, never the container's: a
     * rootfs (or a bind-mounted {@code /dev}) can make its {@code /dev/null} a symlink to any file,
     * and a bind of it would then put that file at the masked path instead of hiding it
     * (CVE-2025-31133). The parent checks that the host's is the 1:3 character device; the child
     * clones it with {@code open_tree} right after the rootfs's own bind, while the host's root is
     * still its root and before any mount of the spec (the detached mount survives {@code pivot_root}), and
     * moves the clone onto the path afterwards. A path
     * missing in the container is not an error, as the spec says.
     */
    private void maskWithNull(int i, String path) throws IOException {
        checkHostNull();
        Slot fd = Slot.named("null_" + i);
        nulls.step(Step.of("open_tree", Arg.dirfd(LibC.AT_FDCWD), text("/dev/null"),
                new Arg.Value(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC, "OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC")).storingIn(fd));
        after.step(Step.of("move_mount", Arg.valueOf(fd), text(""), Arg.dirfd(LibC.AT_FDCWD), text(path),
                new Arg.Value(MOVE_MOUNT_F_EMPTY_PATH, "MOVE_MOUNT_F_EMPTY_PATH")).allowing(Errno.ENOENT));
        after.close(fd);
    }

    /** Fails unless the host's {@code /dev/null} is the character device 1:3 (read without following a link). */
    private void checkHostNull() throws IOException {
        if (hostNullChecked) {
            return;
        }
        Path devNull = Path.of("/dev/null");
        int mode = (Integer) Files.getAttribute(devNull, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(devNull, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0020000 || rdev != ((1L << 8) | 3)) {
            throw new IOException("the host's /dev/null is not the character device 1:3 (mode 0"
                    + Integer.toOctalString(mode) + ", rdev 0x" + Long.toHexString(rdev) + "): masked paths need it");
        }
        hostNullChecked = true;
    }

    private void readonlyPaths() throws IOException {
        List<String> paths = RootfsPlan.orEmpty(spec.linux() == null ? null : spec.linux().readonlyPaths());
        for (int i = 0; i < paths.size(); i++) {
            String path = absolute("$.linux.readonlyPaths[" + i + "]", paths.get(i));
            if (path == null) {
                continue;
            }
            Placed outer = enclosing(path);
            long locked = outer == null ? MountTable.lockedFlags(root.root())
                    : outer.isBind() ? MountTable.lockedFlags(outer.bindSource()) | (outer.flags() & MountTable.LOCKED)
                    : outer.flags() & MountTable.LOCKED;
            after.step(Step.of("mount", text(path), text(path), text(null),
                    Arg.flags(Mounts.MS_BIND | Mounts.MS_REC, Flags.MOUNT), text(null))
                    .allowing(Errno.ENOENT));
            after.step(Step.of("mount", text(path), text(path), text(null),
                    Arg.flags(Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | locked,
                            Flags.MOUNT), text(null))
                    .allowing(Errno.ENOENT));
        }
    }

    /**
     * Whether the masked path {@code path} is a directory: under {@code /proc} and {@code /sys}
     * the host's own (the same kernel shows the same entries), elsewhere the rootfs's; empty
     * when it does not exist, so that there is nothing to mask.
     */
    private Optional<Boolean> isDirectory(String at, String path) throws IOException {
        if (path.equals("/proc") || path.startsWith("/proc/") || path.equals("/sys") || path.startsWith("/sys/")) {
            Path host = Path.of(path);
            return Files.exists(host) ? Optional.of(Files.isDirectory(host)) : Optional.of(false);
        }
        try {
            return root.readable(path).map(Files::isDirectory);
        } catch (InRoot.Unresolvable e) {
            errors.add(at + ": \"" + path + "\": " + e.getMessage());
            return Optional.empty();
        }
    }

    private String absolute(String at, String path) {
        if (path == null || !path.startsWith("/")) {
            errors.add(at + ": \"" + path + "\" is not absolute");
            return null;
        }
        return clean(path);
    }

    private static Arg text(String s) {
        return Arg.text(s);
    }

    /** An absolute path lexically cleaned, or null for null. */
    /** Whether one of {@code mounts} has {@code destination} (cleaned). */
    static boolean mountsAt(List<Mount> mounts, String destination) {
        for (Mount m : mounts) {
            if (destination.equals(clean(m.destination()))) {
                return true;
            }
        }
        return false;
    }

    static String clean(String path) {
        return path == null ? null : "/" + String.join("/", InRoot.names(path));
    }

    private static ValidationError error(String line) {
        int colon = line.indexOf(": ");
        return colon < 0 ? new ValidationError("$", line) : new ValidationError(line.substring(0, colon), line.substring(colon + 2));
    }

    private List<Path> createdSoFar() {
        List<Path> all = new ArrayList<>(root.created());
        bindRoots.values().forEach(r -> all.addAll(r.created()));
        return all;
    }

    @Override
    public void close() throws IOException {
        for (InRoot r : bindRoots.values()) {
            r.close();
        }
        root.close();
    }
}
