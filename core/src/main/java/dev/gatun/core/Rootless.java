package dev.gatun.core;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.cgroups.Resources;
import dev.gatun.cgroups.UnsupportedLimitException;
import dev.gatun.namespaces.Caller;
import dev.gatun.namespaces.IdMapper;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.SubordinateIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a JVM that does not run as root gets, and why. Such a JVM makes its containers in a user
 * namespace of their own, as rootless podman does: the caller's uid and gid are the container's
 * root, and the caller's first {@code /etc/subuid} and {@code /etc/subgid} ranges are ids 1 and up
 * when it has them and {@code newuidmap}/{@code newgidmap} are installed. Limits need a cgroup
 * the caller may write:
 *
 * <ul>
 *   <li>cgroup v2: the JVM's own cgroup, with {@code cgroup.procs} and
 *       {@code cgroup.subtree_control} the caller's, which is what systemd's {@code Delegate=yes}
 *       gives ({@code systemd-run --user --scope -p Delegate=yes java …});
 *   <li>cgroup v1 (and a hybrid host's unified hierarchy): the JVM's cgroup in every hierarchy,
 *       chowned to the caller.
 * </ul>
 *
 * <p>Without one, a container that asks for no limit runs without a cgroup (the builder's default
 * pids limit is dropped and {@linkplain Container#droppedLimits() reported}); one that asks for
 * limits is refused with one line that says what to do, unless the caller chose to
 * {@linkplain ContainerBuilder#dropUnsupportedLimits drop them}. Device rules are never written
 * rootless: the kernel refuses {@code mknod} of a device in a user namespace, and the devices
 * controller (v1) and device programs (v2) need {@code CAP_SYS_ADMIN} of the host; the container
 * reaches only the host's device nodes bound into its {@code /dev}, with the caller's own access.
 *
 * <p>Stateless; thread-safe.
 */
final class Rootless {

    private Rootless() {}

    /** Whether this JVM runs without root: its containers get a user namespace and no device rules. */
    static boolean active() {
        return NotRoot.YES;
    }

    /** The JVM's effective uid, read once: a create asks several times, and each read is /proc/self/status. */
    private static final class NotRoot {
        static final boolean YES = Caller.current().uid() != 0;
    }

    /**
     * The id mappings of a rootless container's user namespace: the caller as root, plus its first
     * subordinate ranges as ids 1 and up when it has both and newuidmap/newgidmap can write them;
     * otherwise the caller alone (setgroups denied, as the kernel requires).
     */
    static IdMappings defaultMappings() {
        Caller caller = Caller.current();
        if (Files.isExecutable(IdMapper.NEWUIDMAP) && Files.isExecutable(IdMapper.NEWGIDMAP)) {
            try {
                SubordinateIds uids = SubordinateIds.read(SubordinateIds.SUBUID);
                SubordinateIds gids = SubordinateIds.read(SubordinateIds.SUBGID);
                if (uids.firstRangeOf(caller.name(), caller.uid()).isPresent()
                        && gids.firstRangeOf(caller.name(), caller.uid()).isPresent()) {
                    return IdMappings.rootlessWithSubordinates(caller, uids, gids);
                }
            } catch (IOException e) {
                // no /etc/subuid or /etc/subgid: the caller alone
            }
        }
        return IdMappings.rootless(caller.uid(), caller.gid());
    }

    /**
     * Why this user may not make cgroups below the JVM's own: the first file it would need to
     * write and cannot, and what to do; empty when it may (root always may).
     */
    static Optional<Undelegated> undelegated(CgroupLayout layout) {
        Caller caller = Caller.current();
        if (caller.uid() == 0) {
            return Optional.empty();
        }
        for (Path dir : ownDirectories(layout)) {
            List<Path> needed = layout.mode() == CgroupLayout.Mode.UNIFIED
                    ? List.of(dir, dir.resolve("cgroup.procs"), dir.resolve("cgroup.subtree_control"))
                    : List.of(dir, dir.resolve("cgroup.procs"));
            for (Path p : needed) {
                if (!Files.isWritable(p)) {
                    String fix = layout.mode() == CgroupLayout.Mode.UNIFIED
                            ? "start the JVM in a delegated cgroup (systemd-run --user --scope -p Delegate=yes java ...)"
                            : "have root chown the JVM's cgroup in every hierarchy to " + caller.name() + " ("
                                    + String.join(", ", ownDirectories(layout).stream().map(Path::toString).toList()) + ")";
                    return Optional.of(new Undelegated(p, "not writable by " + caller.name() + " (uid " + caller.uid()
                            + "), so this user has no delegated cgroup: " + fix));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A cgroup this user may not write.
     *
     * @param file the first file or directory it would need to write
     * @param why why not, and what to do
     */
    record Undelegated(Path file, String why) {

        /** The error for a container whose {@code limits} need the cgroup. */
        UnsupportedLimitException refusal(List<String> limits) {
            return new UnsupportedLimitException(String.join(", ", limits), file, why,
                    "ContainerBuilder.dropUnsupportedLimits(true)");
        }
    }

    /**
     * The limits {@code r} sets, by their OCI names ({@code memory}, {@code pids} …); device rules
     * are no limit.
     */
    static List<String> limitsOf(Resources r) {
        List<String> set = new ArrayList<>();
        if (!r.memory().equals(Resources.Memory.NONE)) {
            set.add("memory");
        }
        if (!r.cpu().equals(Resources.Cpu.NONE)) {
            set.add("cpu");
        }
        if (r.pids().limit() != null) {
            set.add("pids");
        }
        if (!r.blockIo().equals(Resources.BlockIo.NONE)) {
            set.add("blockIO");
        }
        if (!r.hugepageLimits().isEmpty()) {
            set.add("hugepageLimits");
        }
        if (!r.rdma().isEmpty()) {
            set.add("rdma");
        }
        if (!r.network().equals(Resources.Network.NONE)) {
            set.add("network");
        }
        if (!r.unified().isEmpty()) {
            set.add("unified");
        }
        return set;
    }

    /** {@code r} without its device rules. */
    static Resources withoutDevices(Resources r) {
        return new Resources(r.memory(), r.cpu(), r.pids(), r.blockIo(), r.hugepageLimits(), r.rdma(), r.network(),
                null, r.unified());
    }

    /** The JVM's own cgroup directory in each hierarchy a container's cgroup is made in. */
    static Set<Path> ownDirectories(CgroupLayout layout) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (layout.mode() == CgroupLayout.Mode.UNIFIED) {
            dirs.add(layout.unifiedMount().orElseThrow().resolve(layout.unifiedPath().substring(1)));
            return dirs;
        }
        for (Map.Entry<String, Path> m : layout.v1Mounts().entrySet()) {
            if (!m.getKey().startsWith("name=")) {
                dirs.add(m.getValue().resolve(layout.v1Paths().getOrDefault(m.getKey(), "/").substring(1)));
            }
        }
        if (layout.mode() == CgroupLayout.Mode.HYBRID && layout.unifiedMount().isPresent()) {
            dirs.add(layout.unifiedMount().get().resolve(layout.unifiedPath().substring(1)));
        }
        return dirs;
    }
}
