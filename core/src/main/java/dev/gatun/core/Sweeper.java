package dev.gatun.core;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.cgroups.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what a JVM that died without deleting its containers left: the containers' cgroup
 * directories in every hierarchy (what is inside killed first, sub-cgroups removed deepest first),
 * their state directories under {@link SandboxRoot#stateDirectory()}, and the sentinel's
 * {@code gatun-jvm-<pid>-<start time>} directories beside this JVM's own unified cgroup.
 *
 * <p>It judges only state that names its owner ({@link OwnerRecord}, the sentinel directory's
 * name) and touches it only when that owner is dead ({@link Owner#alive()}): a live JVM's
 * containers, this JVM's included, and state without an owner record are left alone. State
 * directories are emptied with unlink and rmdir only, never across a mount point, never a
 * non-empty file other than the record. Runs once per JVM before its first container is created,
 * and whenever {@link Gatun#sweep()} is called; two JVMs sweeping at once each remove what the
 * other has not.
 */
final class Sweeper {

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    private static final String SENTINEL_PREFIX = "gatun-jvm-";
    private static final AtomicBoolean SWEPT_AT_START = new AtomicBoolean();

    private final List<Path> removed = new ArrayList<>();
    private final List<String> left = new ArrayList<>();

    private Sweeper() {}

    /** The sweep before this JVM's first container: logs what it did, never fails the create. */
    static void beforeFirstContainer() {
        if (!SWEPT_AT_START.compareAndSet(false, true)) {
            return;
        }
        try {
            SweepResult r = sweep();
            if (!r.removed().isEmpty()) {
                LOG.info("removed what dead JVMs' containers left: {}", r.removed());
            }
            if (!r.left().isEmpty()) {
                LOG.warn("could not remove what dead JVMs' containers left: {}", r.left());
            }
        } catch (RuntimeException e) {
            LOG.warn("the sweep of dead JVMs' containers failed", e);
        }
    }

    /** One sweep; see the class comment. */
    static synchronized SweepResult sweep() {
        Sweeper s = new Sweeper();
        s.stateDirectories(SandboxRoot.stateDirectory());
        s.sentinelDirectories();
        SandboxRoot.removeStateDirectoryIfEmpty();
        return new SweepResult(s.removed, s.left);
    }

    private void stateDirectories(Path stateDir) {
        List<Path> dirs;
        try (Stream<Path> entries = Files.list(stateDir)) {
            dirs = entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            left.add(stateDir + ": cannot list it (" + e + ")");
            return;
        }
        for (Path dir : dirs) {
            Optional<OwnerRecord> record;
            try {
                record = OwnerRecord.read(dir);
            } catch (NoSuchFileException e) {
                continue; // removed this instant, by its owner or another sweep
            } catch (IOException e) {
                left.add(e.getMessage());
                continue;
            }
            if (record.isEmpty() || record.get().owner().alive()) {
                continue;
            }
            boolean cgroupsGone = true;
            for (Path cgroup : record.get().cgroups()) {
                cgroupsGone &= destroyCgroup(cgroup);
            }
            if (cgroupsGone) {
                removeStateDirectory(dir);
            }
        }
    }

    /** Whether {@code dir} is gone now. */
    private boolean destroyCgroup(Path dir) {
        try {
            removed.addAll(Cgroups.destroy(dir));
            return true;
        } catch (IOException | RuntimeException e) {
            left.add(dir + ": " + e.getMessage());
            return false;
        }
    }

    /** Whether {@code p} is the network namespace file pasta gets as root ({@code netns}, a bind of an nsfs file). */
    private static boolean isPastaNamespaceFile(Path dir, Path p) throws IOException {
        return dir.equals(p.getParent()) && p.getFileName().toString().equals("netns")
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                && (dev.gatun.core.linux.LibC.statfsMagic(p.toString()) == NSFS_MAGIC);
    }

    /** Whether {@code p} is pasta's log or output in state directory {@code dir}. */
    private static boolean isPastaOutput(Path dir, Path p) {
        String name = p.getFileName().toString();
        return dir.equals(p.getParent()) && (name.equals("pasta.log") || name.equals("pasta.out"))
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code NSFS_MAGIC} of linux/magic.h: the file system of namespace files. */
    private static final long NSFS_MAGIC = 0x6e736673L;

    /** Whether {@code p} is one of the /etc files create writes at the top of state directory {@code dir} ({@link EtcFiles}). */
    private static boolean isEtcFile(Path dir, Path p) {
        return dir.equals(p.getParent()) && EtcFiles.DESTINATIONS.containsKey(p.getFileName().toString())
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Empties and removes a dead container's state directory: symlinks, empty files (mount
     * points) and the generated /etc files ({@link EtcFiles}) are unlinked, directories removed deepest first, the owner record last, so that a
     * directory that cannot go keeps its record for the next sweep. Nothing on another file
     * system (a mount point in use) is entered.
     */
    private void removeStateDirectory(Path dir) {
        Object device;
        List<Path> tree;
        try {
            device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            detachImageRoot(dir, device);
            try (Stream<Path> walk = Files.walk(dir)) { // does not follow symlinks
                tree = walk.toList().reversed();
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            left.add(dir + ": cannot walk it (" + e + ")");
            return;
        }
        Path record = dir.resolve(OwnerRecord.FILE);
        List<String> before = new ArrayList<>(left);
        for (Path p : tree) {
            if (p.equals(record) || p.equals(dir)) {
                continue;
            }
            try {
                if (isPastaNamespaceFile(dir, p)) {
                    // the network namespace a dead JVM's pasta had bound here: detached, it ends
                    // with its last user (and pasta, which watches the file, quits)
                    dev.gatun.core.linux.LibC.detachMount(p.toString());
                    Files.delete(p);
                    removed.add(p);
                } else if (!device.equals(Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                    left.add(p + ": a mount point, left alone");
                } else if (Files.isSymbolicLink(p) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        || Files.size(p) == 0 || isEtcFile(dir, p) || isPastaOutput(dir, p)) {
                    Files.delete(p);
                    removed.add(p);
                } else {
                    left.add(p + ": a file with content, which Gatun does not make there; left alone");
                }
            } catch (NoSuchFileException e) {
                // removed meanwhile
            } catch (IOException e) {
                left.add(p + ": " + e);
            }
        }
        if (!left.equals(before)) {
            return;
        }
        try {
            OwnerRecord.delete(dir);
            Files.delete(dir);
            removed.add(dir);
        } catch (NoSuchFileException e) {
            // another sweep took it
        } catch (IOException e) {
            left.add(dir + ": " + e);
        }
    }

    /**
     * Detaches a dead container's overlay root ({@link ImageRoot}: an overlay at {@code rootfs}
     * whose upper directory is {@code upper} beside it), which its JVM would have detached at
     * delete: a SIGKILLed JVM left it mounted in this mount namespace, and the walk enters no
     * mount point.
     */
    private static void detachImageRoot(Path dir, Object device) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)
                || device.equals(Files.getAttribute(rootfs, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
            return;
        }
        String upper = "upperdir=" + dir.resolve("upper") + ",";
        boolean ours = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
                .anyMatch(f -> f.length >= 10 && f[4].equals(rootfs.toString()) && f[f.length - 3].equals("overlay")
                        && (f[f.length - 1] + ",").contains(upper));
        if (ours) {
            dev.gatun.core.linux.LibC.detachMount(rootfs.toString()); // the directory goes with the walk
        }
    }

    /** The dead JVMs' sentinel directories beside this JVM's own cgroup in the unified hierarchy. */
    private void sentinelDirectories() {
        CgroupLayout layout;
        try {
            layout = CgroupLayout.detect();
        } catch (IOException | RuntimeException e) {
            left.add("/proc/self/cgroup: cannot read this JVM's cgroups (" + e + ")");
            return;
        }
        if (layout.unifiedMount().isEmpty()) {
            return;
        }
        // where the JVM was before it moved into its leaf (JvmCgroup): its sentinels' directories are there
        String ownPath = JvmCgroup.originalPath().orElse(layout.unifiedPath());
        Path own = layout.unifiedMount().get().resolve(ownPath.substring(1));
        List<Path> dirs;
        try (Stream<Path> entries = Files.list(own)) {
            dirs = entries.filter(p -> p.getFileName().toString().startsWith(SENTINEL_PREFIX)
                    && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (IOException e) {
            left.add(own + ": cannot list it (" + e + ")");
            return;
        }
        for (Path dir : dirs) {
            String token = dir.getFileName().toString().substring(SENTINEL_PREFIX.length());
            if (token.endsWith(JvmCgroup.LEAF_SUFFIX)) {
                // a dead JVM's own leaf (JvmCgroup): empty once it and its sentinel are gone; what
                // else of its children may still run there is not a container, and not ours to kill
                String owner = token.substring(0, token.length() - JvmCgroup.LEAF_SUFFIX.length());
                if (Owner.parseToken(owner).map(o -> !o.alive()).orElse(false)) {
                    try {
                        Files.delete(dir);
                        removed.add(dir);
                    } catch (IOException e) {
                        left.add(dir + ": " + e);
                    }
                }
            } else if (ownerDead(token)) {
                destroyCgroup(dir);
            }
        }
    }

    /**
     * Whether the owner a sentinel directory's name gives is dead: {@code <pid>-<start time>}, or
     * {@code <pid>} alone as Gatun named it before owner records (dead only when no process has
     * that pid; a reused pid keeps it). Anything else is not Gatun's and counts as alive.
     */
    private static boolean ownerDead(String token) {
        Optional<Owner> owner = Owner.parseToken(token);
        if (owner.isPresent()) {
            return !owner.get().alive();
        }
        try {
            return Owner.read(Long.parseLong(token)).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
