package dev.gatun.core.rootfs;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.LibC;

/**
 * The calls the rootfs planner makes from Java (the parent), {@code openat2} and
 * {@code mkdirat}, with their {@code RESOLVE_*} constants; made through {@link LibC}.
 *
 * <p>Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/openat2.2.html">openat2(2)</a>
 */
final class RootfsCalls {

    /** {@code RESOLVE_NO_MAGICLINKS}: refuse /proc/[pid]/fd-style links. */
    static final long RESOLVE_NO_MAGICLINKS = 0x02;
    /** {@code RESOLVE_IN_ROOT}: resolve as if dirfd were the root: "..", absolute symlinks stay inside. */
    static final long RESOLVE_IN_ROOT = 0x10;

    private RootfsCalls() {}

    /**
     * {@code openat2(dirfd, path, {flags, 0, resolve}, 24)} (Linux 5.6); returns the new fd.
     * Errors are {@link ErrnoException}s (not the JDK file exceptions): the caller tells ENOENT
     * from ENOTDIR and words the message itself.
     */
    static int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException {
        return LibC.openat2(dirfd, path, flags, resolve);
    }

    /** {@code mkdirat(dirfd, name, mode)}. */
    static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
        LibC.mkdirat(dirfd, name, mode);
    }
}
