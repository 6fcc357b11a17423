package dev.gatun.core;

import dev.gatun.cgroups.CgroupLayout;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes room for containers below the JVM's own cgroup on a pure cgroup v2 host, where the
 * "no internal processes" rule holds: a cgroup that has processes cannot hand controllers to its
 * children ({@code cgroup.subtree_control} answers EBUSY), and a JVM that lives in its own cgroup
 * (a systemd service, a login scope, a CI job, a container with a cgroup namespace) is such a
 * process. So, before the first container, the JVM moves itself into a leaf of its own cgroup,
 * {@code gatun-jvm-<pid>-<start time>.self}, as podman does and systemd's {@code init.scope} is made: the
 * cgroup it was in is then free to delegate, and containers go below it as before (relative
 * cgroup paths keep resolving against it, not against the leaf).
 *
 * <p>It moves only this JVM and its own children. A cgroup that also holds processes of others
 * (say the shell that started the JVM, in the same login scope) is left alone, and create fails
 * with an error that says what to do. Nothing happens on the real root cgroup (exempt from the
 * rule), on hybrid hosts (the unified hierarchy there has no controllers) or on v1.
 *
 * <p>Once per JVM; thread-safe.
 */
final class JvmCgroup {

    /** The JVM's unified-hierarchy path before it moved, once known; containers resolve against it. */
    private static String original;

    private JvmCgroup() {}

    /**
     * The layout containers are created in: on pure v2, the JVM's cgroup freed for delegation
     * (the JVM moved into a leaf on first use) and relative paths resolving against it.
     *
     * @throws IOException when the JVM's cgroup holds processes of others, naming one and what to do
     */
    static synchronized CgroupLayout forContainers(CgroupLayout layout) throws IOException {
        if (layout.mode() != CgroupLayout.Mode.UNIFIED) {
            return layout;
        }
        if (original == null) {
            original = layout.unifiedPath();
            try {
                leaveCgroup(layout.unifiedMount().orElseThrow().resolve(original.substring(1)));
            } catch (IOException | RuntimeException e) {
                original = null;
                throw e;
            }
        }
        return layout.withUnifiedPath(original);
    }

    private static void leaveCgroup(Path own) throws IOException {
        if (!Files.exists(own.resolve("cgroup.type"))) {
            return; // the root cgroup: exempt from the rule
        }
        List<Long> inside = procs(own);
        if (inside.isEmpty()) {
            return;
        }
        long me = ProcessHandle.current().pid();
        for (long pid : inside) {
            if (pid != me && !ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(p -> p.pid() == me).orElse(false)) {
                throw new IOException("cannot make cgroups for containers below " + own + ": it holds process " + pid
                        + " besides this JVM (cgroup v2 lets a cgroup with processes delegate no controller). "
                        + "Start the JVM in a cgroup of its own, e.g. `systemd-run" + (Rootless.active() ? " --user" : "")
                        + " --scope -p Delegate=yes java ...`, "
                        + "or give the container an absolute cgroupsPath in a cgroup delegated to this user");
            }
        }
        Path leaf = own.resolve(leafName());
        try {
            Files.createDirectory(leaf);
        } catch (FileAlreadyExistsException e) {
            // a JVM with our pid before us made it: it is empty, or holds nothing of anyone's but ours
        }
        for (long pid : inside) {
            // cgroup.procs moves a whole process, all its threads
            Files.writeString(leaf.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    private static List<Long> procs(Path cgroup) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    /** The name of this JVM's leaf, {@code gatun-jvm-<pid>-<start time>.self}: the sweep removes a dead JVM's. */
    static String leafName() {
        return "gatun-jvm-" + Owner.self().token() + LEAF_SUFFIX;
    }

    /** What ends the name of a JVM's leaf. */
    static final String LEAF_SUFFIX = ".self";

    /** The JVM's unified cgroup before it moved, if it did move (for the sweep). */
    static synchronized Optional<String> originalPath() {
        return Optional.ofNullable(original);
    }
}
