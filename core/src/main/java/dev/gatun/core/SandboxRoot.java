package dev.gatun.core;

import dev.gatun.core.rootfs.RootTmpfs;
import dev.gatun.core.rootfs.RootfsPlan;
import dev.gatun.oci.Mount;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default root filesystem: no image, just an empty directory under Gatun's state
 * directory, over which the container sees read-only binds of chosen host paths ({@code /usr},
 * {@code /lib} …), the host's symlinks recreated as symlinks (on a merged-/usr host {@code /bin}
 * is {@code usr/bin}), and a private {@code /tmp}.
 *
 * <p>The root is a tmpfs the container's init mounts on the empty directory in its own mount
 * namespace (rootless, in its own user namespace too) and fills with {@code /root},
 * {@code /home}, the symlinks and the mount points ({@link RootTmpfs}): nothing but the empty
 * directory on the host, no mount point to make and remove there per container, nothing left
 * after a crash. The planner reads this JVM's {@link SandboxSkeleton} of the same entries.
 */
final class SandboxRoot implements PreparedRoot {

    private final Path bundle;
    private final Map<String, Path> symlinks;
    private final List<Mount> mounts;
    /** Whether {@link #prepare()} made the container's directory (and {@link #remove()} has not removed it). */
    private boolean made;
    /** The root: a tmpfs the init mounts and fills ({@link RootTmpfs}); null until prepared. */
    private RootTmpfs tmpfs;

    private SandboxRoot(Path bundle, Map<String, Path> symlinks, List<Mount> mounts) {
        this.bundle = bundle;
        this.symlinks = symlinks;
        this.mounts = mounts;
    }

    /** What the root holds below the binds: {@code /root}, {@code /home}, the links and their parent directories. */
    List<RootTmpfs.Entry> entries() {
        java.util.LinkedHashSet<String> dirs = new java.util.LinkedHashSet<>(List.of("root", "home"));
        List<RootTmpfs.Entry> links = new ArrayList<>();
        for (Map.Entry<String, Path> link : symlinks.entrySet()) {
            String relative = link.getKey().substring(1);
            Path parent = Path.of(relative).getParent();
            if (parent != null) {
                for (int i = 1; i <= parent.getNameCount(); i++) {
                    dirs.add(parent.subpath(0, i).toString());
                }
            }
            links.add(new RootTmpfs.Entry(relative, link.getValue().toString()));
        }
        List<RootTmpfs.Entry> all = new ArrayList<>();
        for (String d : dirs) {
            all.add(new RootTmpfs.Entry(d, null));
        }
        all.addAll(links);
        return List.copyOf(all);
    }

    /** Plans the sandbox root of container {@code id} (nothing is written yet). */
    static SandboxRoot plan(String id, List<String> hostPaths) {
        Map<String, Path> links = new LinkedHashMap<>();
        List<Mount> binds = new ArrayList<>();
        for (String p : hostPaths) {
            Path host = Path.of(p);
            if (Files.isSymbolicLink(host)) {
                try {
                    links.put(p, Files.readSymbolicLink(host));
                } catch (IOException e) {
                    // unreadable link: leave it out, as a missing path is left out
                }
            } else if (Files.isDirectory(host)) {
                binds.add(new Mount(p, p, "bind", List.of("rbind", "ro", "nodev"), null, null));
            } else if (Files.isRegularFile(host)) {
                binds.add(new Mount(p, p, "bind", List.of("bind", "ro", "nodev", "nosuid"), null, null));
            }
        }
        binds.add(new Mount("/tmp", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777", "size=64m"), null, null));
        return new SandboxRoot(stateDirectory().resolve(id), links, binds);
    }

    /** Where Gatun keeps per-container directories: {@code /run/gatun} as root, else the user's runtime dir. */
    static Path stateDirectory() {
        if (!Rootless.active()) {
            return Path.of("/run/gatun");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        return xdg != null ? Path.of(xdg, "gatun") : Path.of(System.getProperty("java.io.tmpdir"),
                "gatun-" + System.getProperty("user.name"));
    }

    /**
     * Makes a container's own directory {@code dir} under the state directory, and the state
     * directory when missing. Retried when another JVM of this user removed the empty state
     * directory between the two mkdirs ({@link #removeStateDirectoryIfEmpty()}).
     *
     * @throws FileAlreadyExistsException when {@code dir} exists: a container with this id
     */
    static void makeContainerDirectory(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir);
                return;
            } catch (FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException(dir.toString(), null, "a container with this id exists already "
                        + "(or a dead JVM's container left it and its owner record says the owner still lives)");
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Removes the state directory when it is empty and is a user's own ({@code $XDG_RUNTIME_DIR/gatun}
     * or {@code /tmp/gatun-<user>}): an unprivileged run should leave nothing in /tmp. Root's
     * {@code /run/gatun} stays, as {@code /run/runc} does.
     */
    static void removeStateDirectoryIfEmpty() {
        Path dir = stateDirectory();
        if (dir.equals(Path.of("/run/gatun"))) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // not empty: another container of this user lives there
        }
    }

    /** The container's directory under the state directory (the "bundle" of a sandbox container). */
    @Override
    public Path bundle() {
        return bundle;
    }

    /** The root filesystem directory. */
    @Override
    public Path rootfs() {
        return bundle.resolve("rootfs");
    }

    /** The binds and the /tmp tmpfs, for the spec's mounts. */
    List<Mount> mounts() {
        return mounts;
    }

    /** The tmpfs the init mounts on {@link #rootfs()} and fills; null until {@link #prepare()}. */
    @Override
    public synchronized dev.gatun.core.rootfs.ChildRoot childOverlay() {
        return tmpfs;
    }

    /** The host's: the sandbox root binds it. */
    @Override
    public Path passwd() {
        return Path.of("/etc/passwd");
    }

    /**
     * Creates the container's directory and in it the root's: an empty directory the init mounts
     * its tmpfs on (the planner reads this JVM's {@link SandboxSkeleton} of the same entries).
     */
    @Override
    public synchronized void prepare() throws IOException {
        makeContainerDirectory(bundle);
        made = true;
        Files.createDirectory(rootfs());
        tmpfs = SandboxSkeleton.of(entries());
    }

    /**
     * Deletes the container's directory: what {@link #prepare()} made, and what the container
     * wrote when its root was writable. Nothing is mounted there on the host (the binds are in the
     * container's mount namespace, gone with it); the removal follows no symlink the container
     * may have put there and crosses no mount ({@link RootfsPlan#removeTree}). Returns what could
     * not go.
     */
    @Override
    public synchronized List<Path> remove() {
        tmpfs = null;
        if (!made) {
            return List.of();
        }
        List<Path> left = new ArrayList<>(RootfsPlan.removeTree(rootfs()));
        if (left.isEmpty() && !RootfsPlan.removeMade(bundle)) {
            left.add(bundle);
        }
        made = false;
        return left;
    }

}
