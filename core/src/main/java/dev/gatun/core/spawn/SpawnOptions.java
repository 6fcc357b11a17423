package dev.gatun.core.spawn;

import dev.gatun.core.linux.Flags;
import java.util.OptionalInt;

/**
 * How to clone the child, besides its program. Defaults ({@link #defaults()}): no new namespaces,
 * no cgroup, born in the JVM's PID namespace, {@code clone3} (falling back to legacy {@code clone}
 * by itself when clone3 is refused).
 *
 * <ul>
 *   <li>{@link #namespaces()}: {@code CLONE_NEW*} flags ({@code CLONE_NEWPID|CLONE_NEWNS ...}).
 *   <li>{@link #cgroupFd()}: an open cgroup2 directory fd; the child starts in that cgroup
 *       ({@code CLONE_INTO_CGROUP}). The caller keeps and closes the fd.
 *   <li>{@link #pidNamespaceFd()}: an open fd of an existing PID namespace the child is born in,
 *       as a member (not its init): the spawner thread enters it with
 *       {@code setns(fd, CLONE_NEWPID)} right before the clone, which changes only that thread's
 *       {@code pid_for_children}, and returns to its own PID namespace right after. Excludes
 *       {@code CLONE_NEWPID} (the kernel refuses it with EINVAL while {@code pid_for_children}
 *       is not the caller's own PID namespace). The caller keeps and closes the fd.
 *   <li>{@link #legacyClone()}: use legacy {@code clone} even where clone3 works (for tests of the
 *       fallback, and for hosts known to refuse clone3).
 * </ul>
 *
 * <p>Immutable; the one-argument methods return changed copies.
 *
 * @param namespaces {@code CLONE_NEW*} flags, nothing else
 * @param cgroupFd a cgroup2 directory fd, or empty
 * @param legacyClone whether to force legacy clone
 * @param pidNamespaceFd an fd of the PID namespace to be born in, or empty for the JVM's
 * @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a>
 */
public record SpawnOptions(long namespaces, OptionalInt cgroupFd, boolean legacyClone, OptionalInt pidNamespaceFd) {

    /** {@code CLONE_NEWTIME} (5.6; clone3 only). */
    public static final long CLONE_NEWTIME = 0x80L;
    /** {@code CLONE_NEWNS}: a mount namespace. */
    public static final long CLONE_NEWNS = 0x20000L;
    /** {@code CLONE_NEWCGROUP}. */
    public static final long CLONE_NEWCGROUP = 0x02000000L;
    /** {@code CLONE_NEWUTS}. */
    public static final long CLONE_NEWUTS = 0x04000000L;
    /** {@code CLONE_NEWIPC}. */
    public static final long CLONE_NEWIPC = 0x08000000L;
    /** {@code CLONE_NEWUSER}. */
    public static final long CLONE_NEWUSER = 0x10000000L;
    /** {@code CLONE_NEWPID}. */
    public static final long CLONE_NEWPID = 0x20000000L;
    /** {@code CLONE_NEWNET}. */
    public static final long CLONE_NEWNET = 0x40000000L;

    /** Every {@code CLONE_NEW*} flag. */
    public static final long ALL_NAMESPACES = CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS
            | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

    public SpawnOptions {
        if ((namespaces & ~ALL_NAMESPACES) != 0) {
            throw new IllegalArgumentException("namespaces may hold only CLONE_NEW* flags, not "
                    + Flags.CLONE.render(namespaces & ~ALL_NAMESPACES));
        }
        if (cgroupFd.isPresent() && cgroupFd.getAsInt() < 0) {
            throw new IllegalArgumentException("cgroupFd must be >= 0: " + cgroupFd.getAsInt());
        }
        if (pidNamespaceFd.isPresent() && pidNamespaceFd.getAsInt() < 0) {
            throw new IllegalArgumentException("pidNamespaceFd must be >= 0: " + pidNamespaceFd.getAsInt());
        }
        if (pidNamespaceFd.isPresent() && (namespaces & CLONE_NEWPID) != 0) {
            throw new IllegalArgumentException("namespaces has CLONE_NEWPID and pidNamespaceFd is "
                    + pidNamespaceFd.getAsInt() + ": a child is born either in a new PID namespace or in a joined one");
        }
    }

    /** No namespaces, no cgroup, the JVM's PID namespace, clone3. */
    public static SpawnOptions defaults() {
        return new SpawnOptions(0, OptionalInt.empty(), false, OptionalInt.empty());
    }

    /** These options with {@code flags} as the namespaces to create. */
    public SpawnOptions namespaces(long flags) {
        return new SpawnOptions(flags, cgroupFd, legacyClone, pidNamespaceFd);
    }

    /** These options, starting the child in the cgroup2 directory open as {@code fd}. */
    public SpawnOptions cgroupFd(int fd) {
        return new SpawnOptions(namespaces, OptionalInt.of(fd), legacyClone, pidNamespaceFd);
    }

    /** These options, forcing legacy clone or not. */
    public SpawnOptions legacyClone(boolean legacy) {
        return new SpawnOptions(namespaces, cgroupFd, legacy, pidNamespaceFd);
    }

    /** These options, the child born in the existing PID namespace open as {@code fd}. */
    public SpawnOptions pidNamespaceFd(int fd) {
        return new SpawnOptions(namespaces, cgroupFd, legacyClone, OptionalInt.of(fd));
    }
}
