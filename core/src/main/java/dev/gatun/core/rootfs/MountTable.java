package dev.gatun.core.rootfs;

import dev.gatun.core.linux.LibC;
import dev.gatun.oci.MountOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The host mount that holds a path, as the parent sees it, asked for one fact: the per-mount flags
 * a bind remount must keep. In a user namespace the kernel locks {@code nosuid}, {@code nodev},
 * {@code noexec} and the atime flags of a mount it copied, and a remount that drops one fails with
 * EPERM; outside one, dropping them would quietly give the container more than the source had.
 * runc keeps them for the same reasons, and reads them the same way: {@code statfs(2)}'s
 * {@code f_flags} are the mount's flags ({@code /proc/self/mountinfo}'s per-mount options) for
 * one syscall, where reading and parsing the mount table cost a millisecond per bind mount.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/statfs.2.html">statfs(2)</a>
 */
final class MountTable {

    /** The flags a remount keeps from the mount it remounts. */
    static final long LOCKED = MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC
            | MountOptions.MS_NOATIME | MountOptions.MS_NODIRATIME | MountOptions.MS_RELATIME;

    // statfs(2) ST_* bits; the first ones share their values with MS_*, ST_RELATIME does not
    private static final long ST_RDONLY = 1;
    private static final long ST_NOSUID = 2;
    private static final long ST_NODEV = 4;
    private static final long ST_NOEXEC = 8;
    private static final long ST_NOATIME = 1024;
    private static final long ST_NODIRATIME = 2048;
    private static final long ST_RELATIME = 4096;

    private MountTable() {}

    /** The {@link #LOCKED} flags of the host mount that holds {@code path} (an absolute, resolved path). */
    static long lockedFlags(Path path) throws IOException {
        return lockedFlags(LibC.statfsFlags(path.toString()));
    }

    /**
     * The flags a bind remount in a new user namespace must keep: {@link #LOCKED}, and also
     * {@code MS_RDONLY} of a read-only source, which the kernel locks there too (a copied mount
     * of a more privileged namespace cannot be made writable: EPERM). Outside one, root may give a
     * read-only mount a writable bind, so {@link #lockedFlags(Path)} leaves it out.
     */
    static long lockedFlagsInUserNamespace(Path path) throws IOException {
        long statfs = LibC.statfsFlags(path.toString());
        return lockedFlags(statfs) | ((statfs & ST_RDONLY) != 0 ? MountOptions.MS_RDONLY : 0);
    }

    /** The {@link #LOCKED} mount flags ({@code MS_*}) among statfs's {@code f_flags} ({@code ST_*}). */
    static long lockedFlags(long statfsFlags) {
        long flags = 0;
        flags |= (statfsFlags & ST_NOSUID) != 0 ? MountOptions.MS_NOSUID : 0;
        flags |= (statfsFlags & ST_NODEV) != 0 ? MountOptions.MS_NODEV : 0;
        flags |= (statfsFlags & ST_NOEXEC) != 0 ? MountOptions.MS_NOEXEC : 0;
        flags |= (statfsFlags & ST_NOATIME) != 0 ? MountOptions.MS_NOATIME : 0;
        flags |= (statfsFlags & ST_NODIRATIME) != 0 ? MountOptions.MS_NODIRATIME : 0;
        flags |= (statfsFlags & ST_RELATIME) != 0 ? MountOptions.MS_RELATIME : 0;
        return flags;
    }
}
