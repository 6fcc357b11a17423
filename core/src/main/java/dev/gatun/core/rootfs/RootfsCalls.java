package dev.gatun.core.rootfs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.SyscallTable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few calls the rootfs planner makes from Java (the parent) that {@code LibC} does not bind:
 * {@code openat2} and {@code mkdirat}. Kept here, in the pattern of {@code LibC} (errno captured
 * per call, EINTR retried), so that the binding file stays untouched while several people work
 * in {@code core}; the lead may move them into {@code LibC} later.
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final long OPENAT2 = SyscallTable.current().number("openat2");
    private static final MethodHandle SYSCALL4 = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final MethodHandle MKDIRAT = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("mkdirat"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));

    private RootfsCalls() {}

    /**
     * {@code openat2(dirfd, path, {flags, 0, resolve}, 24)} (Linux 5.6); returns the new fd.
     * Errors are {@link ErrnoException}s (not the JDK file exceptions): the caller tells ENOENT
     * from ENOTDIR and words the message itself.
     */
    static int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            MemorySegment how = arena.allocate(24, 8); // struct open_how {u64 flags, mode, resolve}
            how.set(JAVA_LONG, 0, flags & 0xFFFF_FFFFL);
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment errno = arena.allocate(CAPTURE);
            while (true) {
                long fd = (long) SYSCALL4.invokeExact(errno, OPENAT2, (long) dirfd, cpath.address(), how.address(), 24L);
                if (fd >= 0) {
                    return (int) fd;
                }
                int e = (int) ERRNO.get(errno, 0L);
                if (e != Errno.EINTR) {
                    throw new ErrnoException(e, "openat2", Flags.fd(dirfd) + ", \"" + path + "\", {"
                            + Flags.OPEN.render(flags) + ", resolve=" + resolve + "}");
                }
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("openat2 downcall", t);
        }
    }

    /** {@code mkdirat(dirfd, name, mode)}. */
    static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            MemorySegment errno = arena.allocate(CAPTURE);
            int r = (int) MKDIRAT.invokeExact(errno, dirfd, cname, mode);
            if (r != 0) {
                throw new ErrnoException((int) ERRNO.get(errno, 0L), "mkdirat",
                        Flags.fd(dirfd) + ", \"" + name + "\", 0" + Integer.toOctalString(mode));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mkdirat downcall", t);
        }
    }
}
