package dev.gatun.core.rootfs;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the rootfs planner needs to know about the rest of the container: facts that change
 * which calls work in the child, not what the container gets.
 *
 * <p>There is no option for the mount namespace: a plan's steps must only ever run in a child
 * cloned with {@code CLONE_NEWNS} (in the host's namespace they would change the host's mounts).
 *
 * <p>Defaults ({@link #defaults()}): no new user namespace, a new network namespace, pivot_root,
 * no cgroup (a {@code cgroup} mount shows an empty directory), no new cgroup namespace.
 * Immutable and thread-safe; the {@code with}-style methods return changed copies.
 *
 * @param newUserNamespace whether the child runs in a new user namespace: {@code mknod} is
 *     refused there, so devices are bind-mounted from the host's {@code /dev} onto empty files,
 *     and devpts gets no {@code gid=5} unless {@link #ttyGroupMapped()}
 * @param newNetNamespace whether the child has its own network namespace: without one, a
 *     {@code sysfs} mount is replaced by a read-only recursive bind of the host's {@code /sys}:
 *     the kernel refuses a sysfs mount in a user namespace that does not own the network
 *     namespace, and the bind is made in every such case so that the container sees one
 *     behaviour whatever its user namespace
 * @param ttyGroupMapped whether gid 5 ({@code tty}) exists in the container, so that the default
 *     {@code /dev/pts} can carry {@code gid=5}; true when there is no new user namespace
 * @param pivot whether to use {@code pivot_root}; false selects the {@code MS_MOVE} + {@code
 *     chroot} fallback, only for a rootfs the kernel cannot pivot from (the initramfs {@code
 *     rootfs}, where {@code pivot_root} fails with EINVAL). The fallback leaves the old root
 *     reachable to a process that can escape a chroot (with CAP_SYS_CHROOT), as runc's
 *     {@code --no-pivot} does.
 * @param cgroupDirectories the container's own cgroup directories on the host, as {@code
 *     Cgroup.directories()} gives them (v2: one, keyed {@code ""}; v1: one per controller); a
 *     {@code cgroup} mount shows these and nothing else of the host's hierarchy. Empty: none
 * @param newCgroupNamespace whether the child is in its own cgroup namespace when it mounts (on
 *     v2 a {@code cgroup2} mount then shows its own cgroup as the root)
 * @see <a href="https://man7.org/linux/man-pages/man2/pivot_root.2.html">pivot_root(2)</a>
 */
public record RootfsOptions(boolean newUserNamespace, boolean newNetNamespace, boolean ttyGroupMapped, boolean pivot,
        Map<String, Path> cgroupDirectories, boolean newCgroupNamespace) {

    public RootfsOptions {
        cgroupDirectories = Collections.unmodifiableMap(new LinkedHashMap<>(cgroupDirectories));
    }

    /** No new user namespace, a new network namespace, gid 5 present, pivot_root, no cgroup. */
    public static RootfsOptions defaults() {
        return new RootfsOptions(false, true, true, true, Map.of(), false);
    }

    /** These options with {@link #newUserNamespace()} set; {@code ttyGroupMapped} is kept. */
    public RootfsOptions newUserNamespace(boolean value) {
        return new RootfsOptions(value, newNetNamespace, ttyGroupMapped, pivot, cgroupDirectories, newCgroupNamespace);
    }

    /** These options with {@link #newNetNamespace()} set. */
    public RootfsOptions newNetNamespace(boolean value) {
        return new RootfsOptions(newUserNamespace, value, ttyGroupMapped, pivot, cgroupDirectories, newCgroupNamespace);
    }

    /** These options with {@link #ttyGroupMapped()} set. */
    public RootfsOptions ttyGroupMapped(boolean value) {
        return new RootfsOptions(newUserNamespace, newNetNamespace, value, pivot, cgroupDirectories, newCgroupNamespace);
    }

    /** These options with {@link #pivot()} set. */
    public RootfsOptions pivot(boolean value) {
        return new RootfsOptions(newUserNamespace, newNetNamespace, ttyGroupMapped, value, cgroupDirectories,
                newCgroupNamespace);
    }

    /** These options with the container's cgroup directories and whether it has its own cgroup namespace. */
    public RootfsOptions cgroup(Map<String, Path> directories, boolean newNamespace) {
        return new RootfsOptions(newUserNamespace, newNetNamespace, ttyGroupMapped, pivot, directories, newNamespace);
    }
}
