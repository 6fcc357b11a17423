package dev.gatun.core.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.ErrnoException;
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
 * The libc functions Gatun calls from Java, one short method per downcall.
 *
 * <p>Every call captures errno with {@link Linker.Option#captureCallState(String...)} into a
 * segment allocated for that call alone (never a buffer shared between threads), turns a failure
 * into an {@link ErrnoException} (or the JDK file exception that fits, see
 * {@link ErrnoException#forFile}), and retries on EINTR where the kernel can return it (never for
 * {@code close}: on Linux the fd is gone even when close reports EINTR).
 *
 * <p>Calls that glibc may not wrap on older systems ({@code pidfd_send_signal}) go through
 * {@code syscall(2)} with numbers from {@link SyscallTable}. Thread-safe; the methods block as
 * the underlying call does.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/syscalls.2.html">syscalls(2)</a>
 */
public final class LibC {

    /** {@code AT_FDCWD}: resolve relative paths against the working directory. */
    public static final int AT_FDCWD = -100;
    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_WRONLY}. */
    public static final int O_WRONLY = 1;
    /** {@code O_RDWR}. */
    public static final int O_RDWR = 2;
    /** {@code O_CREAT}. */
    public static final int O_CREAT = 0100;
    /** {@code O_DIRECTORY}. */
    public static final int O_DIRECTORY = 0200000;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 02000000;
    /** {@code O_PATH}. */
    public static final int O_PATH = 010000000;
    /** {@code O_NONBLOCK}. */
    public static final int O_NONBLOCK = 04000;
    /** {@code idtype_t P_ALL} for waitid. */
    public static final int P_ALL = 0;
    /** {@code idtype_t P_PID} for waitid. */
    public static final int P_PID = 1;
    /** {@code idtype_t P_PIDFD} for waitid (Linux 5.4). */
    public static final int P_PIDFD = 3;
    /** {@code WEXITED}. */
    public static final int WEXITED = 4;
    /** {@code WNOHANG}. */
    public static final int WNOHANG = 1;
    /** {@code EPOLLIN}. */
    public static final int EPOLLIN = 1;
    /** {@code EPOLL_CTL_ADD}. */
    public static final int EPOLL_CTL_ADD = 1;
    /** {@code EPOLL_CTL_DEL}. */
    public static final int EPOLL_CTL_DEL = 2;
    /** {@code PROT_READ}. */
    public static final int PROT_READ = 1;
    /** {@code PROT_WRITE}. */
    public static final int PROT_WRITE = 2;
    /** {@code PROT_EXEC}. */
    public static final int PROT_EXEC = 4;
    /** {@code MAP_PRIVATE}. */
    public static final int MAP_PRIVATE = 2;
    /** {@code MAP_ANONYMOUS}. */
    public static final int MAP_ANONYMOUS = 0x20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final SyscallTable SYSCALLS = SyscallTable.current();

    private static final MethodHandle OPENAT = capturing("openat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle CLOSE = capturing("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle READ = capturing("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = capturing("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle PIPE2 = capturing("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle WAITID = capturing("waitid", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = capturing("epoll_create1", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CTL = capturing("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle EPOLL_WAIT = capturing("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle MMAP = capturing("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MPROTECT = capturing("mprotect", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle MEMFD_CREATE = capturing("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle STATFS = capturing("statfs", JAVA_INT, ADDRESS, ADDRESS);
    /** {@code struct statfs}: eleven longs (the fsid counts as one) then four spare; the same on x86-64 and aarch64. */
    private static final long STATFS_SIZE = 120;
    private static final long STATFS_F_FLAGS = 80;
    // syscall(2) is variadic: every variadic argument is passed as a full long, which is what the
    // kernel-side va_arg(long) reads
    private static final MethodHandle SYSCALL4 = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private LibC() {}

    /** A downcall that returns a raw value; errno lands in the segment passed first. */
    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment errno) throws Throwable;
    }

    /** A failure of a call: builds the exception from the errno. */
    @FunctionalInterface
    private interface Failure {
        IOException of(int errno);
    }

    /** {@code openat(dirfd, path, flags, mode)}; returns the new fd. */
    public static int openat(int dirfd, String path, int flags, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            return (int) retrying(e -> (int) OPENAT.invokeExact(e, dirfd, cpath, flags, mode),
                    errno -> ErrnoException.forFile(errno, "openat", path,
                            Flags.fd(dirfd) + ", \"" + path + "\", " + Flags.OPEN.render(flags) + ", 0" + Integer.toOctalString(mode)));
        }
    }

    /** {@code close(fd)}; never retried (Linux releases the fd even when close reports EINTR). */
    public static void close(int fd) throws IOException {
        once(e -> (int) CLOSE.invokeExact(e, fd), errno -> new ErrnoException(errno, "close", Integer.toString(fd)));
    }

    /** {@code read(fd, buf, buf.byteSize())}; returns the bytes read, 0 at end of file. */
    public static long read(int fd, MemorySegment buf) throws IOException {
        return retrying(e -> (long) READ.invokeExact(e, fd, buf, buf.byteSize()),
                errno -> new ErrnoException(errno, "read", fd + ", buf, " + buf.byteSize()));
    }

    /** {@code write(fd, buf, buf.byteSize())}; returns the bytes written. */
    public static long write(int fd, MemorySegment buf) throws IOException {
        return retrying(e -> (long) WRITE.invokeExact(e, fd, buf, buf.byteSize()),
                errno -> new ErrnoException(errno, "write", fd + ", buf, " + buf.byteSize()));
    }

    /** {@code pipe2(fds, flags)}; returns {read end, write end}. */
    public static int[] pipe2(int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            once(e -> (int) PIPE2.invokeExact(e, fds, flags),
                    errno -> new ErrnoException(errno, "pipe2", "fds, " + Flags.OPEN.render(flags)));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /**
     * {@code waitid(idtype, id, info, options)}: fills {@code info} (a {@link Structs#SIGINFO}
     * segment); with {@link #WNOHANG} and nothing to report, {@code si_pid} stays 0.
     */
    public static void waitid(int idtype, int id, MemorySegment info, int options) throws IOException {
        retrying(e -> (int) WAITID.invokeExact(e, idtype, id, info, options),
                errno -> new ErrnoException(errno, "waitid", Flags.IDTYPE.render(idtype) + ", " + id + ", info, "
                        + Flags.WAIT.render(options)));
    }

    /** {@code pidfd_send_signal(pidfd, sig, NULL, 0)} (Linux 5.1). */
    public static void pidfdSendSignal(int pidfd, int signal) throws IOException {
        long nr = SYSCALLS.number("pidfd_send_signal");
        once(e -> (long) SYSCALL4.invokeExact(e, nr, (long) pidfd, (long) signal, 0L, 0L),
                errno -> new ErrnoException(errno, "pidfd_send_signal", pidfd + ", " + Flags.signal(signal) + ", NULL, 0"));
    }

    /**
     * {@code kill(pid, sig)}: only for a pid that cannot have been reused, i.e. an unreaped child
     * of this process; everything else goes through {@link #pidfdSendSignal}.
     */
    public static void kill(long pid, int signal) throws IOException {
        long nr = SYSCALLS.number("kill");
        once(e -> (long) SYSCALL4.invokeExact(e, nr, pid, (long) signal, 0L, 0L),
                errno -> new ErrnoException(errno, "kill", pid + ", " + Flags.signal(signal)));
    }

    /** {@code pidfd_open(pid, 0)} (Linux 5.3); returns a pidfd (always O_CLOEXEC). */
    public static int pidfdOpen(long pid) throws IOException {
        long nr = SYSCALLS.number("pidfd_open");
        return (int) once(e -> (long) SYSCALL4.invokeExact(e, nr, pid, 0L, 0L, 0L),
                errno -> new ErrnoException(errno, "pidfd_open", pid + ", 0"));
    }

    /**
     * {@code pidfd_getfd(pidfd, targetfd, 0)} (Linux 5.6): a copy, in this process, of the open file
     * behind fd {@code targetfd} of the process {@code pidfd} names; always O_CLOEXEC. Needs
     * ptrace access to that process (a child of this one, as root, has it).
     */
    public static int pidfdGetfd(int pidfd, int targetfd) throws IOException {
        long nr = SYSCALLS.number("pidfd_getfd");
        return (int) once(e -> (long) SYSCALL4.invokeExact(e, nr, (long) pidfd, (long) targetfd, 0L, 0L),
                errno -> new ErrnoException(errno, "pidfd_getfd", pidfd + ", " + targetfd + ", 0"));
    }

    /** {@code prctl(option, arg2, 0, 0, 0)}; returns the call's result. */
    public static long prctl(int option, long arg2) throws IOException {
        long nr = SYSCALLS.number("prctl");
        return once(e -> (long) SYSCALL4.invokeExact(e, nr, (long) option, arg2, 0L, 0L),
                errno -> new ErrnoException(errno, "prctl", option + ", " + arg2 + ", 0, 0, 0"));
    }

    /**
     * {@code setns(fd, nstype)}: moves the calling <em>thread</em> into the namespace {@code fd}
     * refers to ({@code nstype} a {@code CLONE_NEW*} flag, or 0 for any type). For a PID namespace
     * only the thread's children are affected ({@code pid_for_children}).
     */
    public static void setns(int fd, int nstype) throws IOException {
        long nr = SYSCALLS.number("setns");
        once(e -> (long) SYSCALL4.invokeExact(e, nr, (long) fd, (long) nstype, 0L, 0L),
                errno -> new ErrnoException(errno, "setns", fd + ", " + Flags.CLONE.render(nstype)));
    }

    /** {@code dup3(oldfd, newfd, flags)}: makes {@code newfd} refer to what {@code oldfd} does. */
    public static void dup3(int oldfd, int newfd, int flags) throws IOException {
        long nr = SYSCALLS.number("dup3");
        retrying(e -> (long) SYSCALL4.invokeExact(e, nr, (long) oldfd, (long) newfd, (long) flags, 0L),
                errno -> new ErrnoException(errno, "dup3", oldfd + ", " + newfd + ", " + Flags.OPEN.render(flags)));
    }

    /** {@code epoll_create1(flags)}; returns the epoll fd. */
    public static int epollCreate1(int flags) throws IOException {
        return (int) once(e -> (int) EPOLL_CREATE1.invokeExact(e, flags),
                errno -> new ErrnoException(errno, "epoll_create1", Flags.OPEN.render(flags)));
    }

    /** {@code epoll_ctl(epfd, op, fd, {events, data = fd})}. */
    public static void epollCtl(int epfd, int op, int fd, int events) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(Structs.EPOLL_EVENT_SIZE, 8);
            Structs.epollEvent(event, 0, events, fd);
            once(e -> (int) EPOLL_CTL.invokeExact(e, epfd, op, fd, event),
                    errno -> new ErrnoException(errno, "epoll_ctl", epfd + ", " + op + ", " + fd + ", events"));
        }
    }

    /** {@code epoll_wait(epfd, events, maxevents, timeout)}; returns the number of ready events. */
    public static int epollWait(int epfd, MemorySegment events, int timeoutMillis) throws IOException {
        int max = (int) (events.byteSize() / Structs.EPOLL_EVENT_SIZE);
        return (int) retrying(e -> (int) EPOLL_WAIT.invokeExact(e, epfd, events, max, timeoutMillis),
                errno -> new ErrnoException(errno, "epoll_wait", epfd + ", events, " + max + ", " + timeoutMillis));
    }

    /** {@code mmap(NULL, length, prot, flags, fd, 0)}; returns the mapping (never unmapped by Gatun). */
    public static MemorySegment mmap(long length, int prot, int flags, int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            MemorySegment result = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, length, prot, flags, fd, 0L);
            if (result.address() == -1L) {
                throw new ErrnoException(errno(errno), "mmap", "NULL, " + length + ", " + prot + ", " + flags + ", " + fd + ", 0");
            }
            return result.reinterpret(length);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mmap downcall", t);
        }
    }

    /** {@code mprotect(addr, length, prot)}. */
    public static void mprotect(MemorySegment region, int prot) throws IOException {
        once(e -> (int) MPROTECT.invokeExact(e, region, region.byteSize(), prot),
                errno -> new ErrnoException(errno, "mprotect", "addr, " + region.byteSize() + ", " + prot));
    }

    /** {@code memfd_create(name, flags)}; returns the fd. */
    public static int memfdCreate(String name, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            return (int) once(e -> (int) MEMFD_CREATE.invokeExact(e, cname, flags),
                    errno -> new ErrnoException(errno, "memfd_create", "\"" + name + "\", " + flags));
        }
    }

    /**
     * {@code statfs(path, &buf)}'s {@code f_flags}: the {@code ST_*} flags of the mount that holds
     * {@code path} (read-only, nosuid, nodev, noexec, the atime flags) — what
     * {@code /proc/self/mountinfo} says of that mount, for one syscall instead of a read and a parse.
     */
    public static long statfsFlags(String path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            MemorySegment buf = arena.allocate(STATFS_SIZE, 8);
            retrying(e -> (int) STATFS.invokeExact(e, cpath, buf),
                    errno -> ErrnoException.forFile(errno, "statfs", path, "\"" + path + "\", &buf"));
            return buf.get(JAVA_LONG, STATFS_F_FLAGS);
        }
    }

    private static long retrying(Call call, Failure failure) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            while (true) {
                long result = call.invoke(errno);
                if (result != -1) {
                    return result;
                }
                int e = errno(errno);
                if (e != Errno.EINTR) {
                    throw failure.of(e);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall threw", t);
        }
    }

    private static long once(Call call, Failure failure) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            long result = call.invoke(errno);
            if (result == -1) {
                throw failure.of(errno(errno));
            }
            return result;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall threw", t);
        }
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static MethodHandle capturing(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), FunctionDescriptor.of(result, args),
                Linker.Option.captureCallState("errno"));
    }
}
