package dev.gatun.core.rootfs;

/**
 * What the rootfs planner needs to know about the rest of the container: facts that change
 * which calls work in the child, not what the container gets.
 *
 * <p>There is no option for the mount namespace: a plan's steps must only ever run in a child
 * cloned with {@code CLONE_NEWNS} (in the host's namespace they would change the host's mounts).
 *
 * <p>Defaults ({@link #defaults()}): no new user namespace, a new network namespace, pivot_root.
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
 * @see <a href="https://man7.org/linux/man-pages/man2/pivot_root.2.html">pivot_root(2)</a>
 */
public record RootfsOptions(boolean newUserNamespace, boolean newNetNamespace, boolean ttyGroupMapped, boolean pivot) {

    /** No new user namespace, a new network namespace, gid 5 present, pivot_root. */
    public static RootfsOptions defaults() {
        return new RootfsOptions(false, true, true, true);
    }

    /** These options with {@link #newUserNamespace()} set; {@code ttyGroupMapped} is kept. */
    public RootfsOptions newUserNamespace(boolean value) {
        return new RootfsOptions(value, newNetNamespace, ttyGroupMapped, pivot);
    }

    /** These options with {@link #newNetNamespace()} set. */
    public RootfsOptions newNetNamespace(boolean value) {
        return new RootfsOptions(newUserNamespace, value, ttyGroupMapped, pivot);
    }

    /** These options with {@link #ttyGroupMapped()} set. */
    public RootfsOptions ttyGroupMapped(boolean value) {
        return new RootfsOptions(newUserNamespace, newNetNamespace, value, pivot);
    }

    /** These options with {@link #pivot()} set. */
    public RootfsOptions pivot(boolean value) {
        return new RootfsOptions(newUserNamespace, newNetNamespace, ttyGroupMapped, value);
    }
}
