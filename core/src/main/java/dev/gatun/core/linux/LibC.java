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
 * The system calls Gatun makes from Java, one short method each.
 *
 * <p>All go through one downcall, glibc's {@code syscall(2)}, with numbers from
 * {@link SyscallTable}. Every call captures errno with
 * {@link Linker.Option#captureCallState(String...)} into a segment allocated for that call alone
 * (never a buffer shared between threads), turns a failure into an {@link ErrnoException} (or the
 * JDK file exception that fits, see {@link ErrnoException#forFile}), and retries on EINTR where
 * the kernel can return it (never for {@code close}: on Linux the fd is gone even when close
 * reports EINTR). Thread-safe; the methods block as the underlying call does.
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

    /*
     * One downcall for every call: glibc's syscall(2), variadic after the number, each argument a
     * full long (what the kernel-side va_arg(long) reads), errno captured. A downcall handle costs
     * a generated class and some milliseconds to make; one handle instead of fifteen made a fresh
     * JVM's first container about 100 ms faster (1.2 s to 1.1 s here).
     * Every call made here exists under the same name on x86-64 and aarch64 (epoll_wait does
     * not: epoll_pwait stands in), and each takes and returns what the glibc function of that
     * name does on a 64-bit ABI.
     */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final long NR_OPENAT = SYSCALLS.number("openat");
    private static final long NR_CLOSE = SYSCALLS.number("close");
    private static final long NR_READ = SYSCALLS.number("read");
    private static final long NR_WRITE = SYSCALLS.number("write");
    private static final long NR_PPOLL = SYSCALLS.number("ppoll");
    private static final long NR_PIPE2 = SYSCALLS.number("pipe2");
    private static final long NR_WAITID = SYSCALLS.number("waitid");
    private static final long NR_EPOLL_CREATE1 = SYSCALLS.number("epoll_create1");
    private static final long NR_EPOLL_CTL = SYSCALLS.number("epoll_ctl");
    private static final long NR_EPOLL_PWAIT = SYSCALLS.number("epoll_pwait");
    private static final long NR_MMAP = SYSCALLS.number("mmap");
    private static final long NR_MPROTECT = SYSCALLS.number("mprotect");
    private static final long NR_MEMFD_CREATE = SYSCALLS.number("memfd_create");
    private static final long NR_STATFS = SYSCALLS.number("statfs");
    private static final long NR_PIDFD_SEND_SIGNAL = SYSCALLS.number("pidfd_send_signal");
    private static final long NR_KILL = SYSCALLS.number("kill");
    private static final long NR_PIDFD_OPEN = SYSCALLS.number("pidfd_open");
    private static final long NR_PIDFD_GETFD = SYSCALLS.number("pidfd_getfd");
    private static final long NR_PRCTL = SYSCALLS.number("prctl");
    private static final long NR_SETNS = SYSCALLS.number("setns");
    private static final long NR_DUP3 = SYSCALLS.number("dup3");
    private static final long NR_SOCKET = SYSCALLS.number("socket");
    private static final long NR_CONNECT = SYSCALLS.number("connect");
    private static final long NR_SENDMSG = SYSCALLS.number("sendmsg");
    private static final long NR_IOCTL = SYSCALLS.number("ioctl");
    private static final long NR_FCNTL = SYSCALLS.number("fcntl");
    private static final long NR_MKDIRAT = SYSCALLS.number("mkdirat");
    private static final long NR_MKNODAT = SYSCALLS.number("mknodat");
    private static final long NR_RENAMEAT2 = SYSCALLS.number("renameat2");
    private static final long NR_OPENAT2 = SYSCALLS.number("openat2");
    private static final long NR_BPF = SYSCALLS.number("bpf");
    private static final long NR_MOUNT = SYSCALLS.number("mount");
    private static final long NR_UMOUNT2 = SYSCALLS.number("umount2");
    /** {@code struct statfs}: eleven longs (the fsid counts as one) then four spare; the same on x86-64 and aarch64. */
    private static final long STATFS_SIZE = 120;
    private static final long STATFS_F_FLAGS = 80;

    static {
        // The error path must not load classes: out of fds (EMFILE) the class loader cannot open
        // a class file, and the ErrnoException that says so would become a NoClassDefFoundError
        // that skips every IOException handler on its way up.
        for (Class<?> c : new Class<?>[] {Errno.class, dev.gatun.core.ErrnoException.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private LibC() {}

    /** {@code openat(dirfd, path, flags, mode)}; returns the new fd. */
    public static int openat(int dirfd, String path, int flags, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            long r = call(true, NR_OPENAT, dirfd, cpath.address(), flags, mode);
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "openat", path,
                        Flags.fd(dirfd) + ", \"" + path + "\", " + Flags.OPEN.render(flags) + ", 0" + Integer.toOctalString(mode));
            }
            return (int) r;
        }
    }

    /** {@code mknodat(AT_FDCWD, path, S_IFIFO | mode, 0)}: a FIFO (the umask applies to {@code mode}). */
    public static void mkfifo(String path, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            long r = call(false, NR_MKNODAT, AT_FDCWD, cpath.address(), 0010000 | mode, 0);
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "mknodat", path,
                        "AT_FDCWD, \"" + path + "\", S_IFIFO|0" + Integer.toOctalString(mode) + ", 0");
            }
        }
    }

    /** {@code close(fd)}; never retried (Linux releases the fd even when close reports EINTR). */
    public static void close(int fd) throws IOException {
        long r = call(false, NR_CLOSE, fd);
        if (r < 0) {
            throw new ErrnoException((int) -r, "close", Integer.toString(fd));
        }
    }

    /** {@code read(fd, buf, buf.byteSize())}; returns the bytes read, 0 at end of file. */
    public static long read(int fd, MemorySegment buf) throws IOException {
        long r = call(true, NR_READ, fd, buf.address(), buf.byteSize());
        if (r < 0) {
            throw new ErrnoException((int) -r, "read", fd + ", buf, " + buf.byteSize());
        }
        return r;
    }

    /** {@code write(fd, buf, buf.byteSize())}; returns the bytes written. */
    public static long write(int fd, MemorySegment buf) throws IOException {
        long r = call(true, NR_WRITE, fd, buf.address(), buf.byteSize());
        if (r < 0) {
            throw new ErrnoException((int) -r, "write", fd + ", buf, " + buf.byteSize());
        }
        return r;
    }

    /** {@code POLLIN}: data to read (or end of file). */
    public static final short POLLIN = 0x1;
    /** {@code POLLOUT}: room to write. */
    public static final short POLLOUT = 0x4;

    /**
     * Whether {@code fd} is ready for {@code events} now, or will not block for another reason
     * (an error or hangup, which the read or write then reports): {@code ppoll} with a zero
     * timeout, which never blocks.
     */
    public static boolean readyNow(int fd, short events) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd {int fd; short events, revents;}
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, events);
            MemorySegment zero = arena.allocate(16, 8); // struct timespec {0, 0}
            long r = call(true, NR_PPOLL, pollfd.address(), 1, zero.address(), 0, 0, 0);
            if (r < 0) {
                throw new ErrnoException((int) -r, "ppoll", "{" + fd + ", " + events + "}, 1, {0, 0}");
            }
            return r > 0;
        }
    }

    /** {@code pipe2(fds, flags)}; returns {read end, write end}. */
    public static int[] pipe2(int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            long r = call(false, NR_PIPE2, fds.address(), flags);
            if (r < 0) {
                throw new ErrnoException((int) -r, "pipe2", "fds, " + Flags.OPEN.render(flags));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /**
     * {@code waitid(idtype, id, info, options)}: fills {@code info} (a {@link Structs#SIGINFO}
     * segment); with {@link #WNOHANG} and nothing to report, {@code si_pid} stays 0.
     */
    public static void waitid(int idtype, int id, MemorySegment info, int options) throws IOException {
        long r = call(true, NR_WAITID, idtype, id, info.address(), options);
        if (r < 0) {
            throw new ErrnoException((int) -r, "waitid", Flags.IDTYPE.render(idtype) + ", " + id + ", info, "
                    + Flags.WAIT.render(options));
        }
    }

    /** {@code pidfd_send_signal(pidfd, sig, NULL, 0)} (Linux 5.1). */
    public static void pidfdSendSignal(int pidfd, int signal) throws IOException {
        long r = call(false, NR_PIDFD_SEND_SIGNAL, pidfd, signal);
        if (r < 0) {
            throw new ErrnoException((int) -r, "pidfd_send_signal", pidfd + ", " + Flags.signal(signal) + ", NULL, 0");
        }
    }

    /**
     * {@code kill(pid, sig)}: only for a pid that cannot have been reused, i.e. an unreaped child
     * of this process; everything else goes through {@link #pidfdSendSignal}.
     */
    public static void kill(long pid, int signal) throws IOException {
        long r = call(false, NR_KILL, pid, signal);
        if (r < 0) {
            throw new ErrnoException((int) -r, "kill", pid + ", " + Flags.signal(signal));
        }
    }

    /** {@code pidfd_open(pid, 0)} (Linux 5.3); returns a pidfd (always O_CLOEXEC). */
    public static int pidfdOpen(long pid) throws IOException {
        long r = call(false, NR_PIDFD_OPEN, pid);
        if (r < 0) {
            throw new ErrnoException((int) -r, "pidfd_open", pid + ", 0");
        }
        return (int) r;
    }

    /**
     * {@code pidfd_getfd(pidfd, targetfd, 0)} (Linux 5.6): a copy, in this process, of the open file
     * behind fd {@code targetfd} of the process {@code pidfd} names; always O_CLOEXEC. Needs
     * ptrace access to that process (a child of this one, as root, has it).
     */
    public static int pidfdGetfd(int pidfd, int targetfd) throws IOException {
        long r = call(false, NR_PIDFD_GETFD, pidfd, targetfd);
        if (r < 0) {
            throw new ErrnoException((int) -r, "pidfd_getfd", pidfd + ", " + targetfd + ", 0");
        }
        return (int) r;
    }

    /** {@code prctl(option, arg2, 0, 0, 0)}; returns the call's result. */
    public static long prctl(int option, long arg2) throws IOException {
        long r = call(false, NR_PRCTL, option, arg2);
        if (r < 0) {
            throw new ErrnoException((int) -r, "prctl", option + ", " + arg2 + ", 0, 0, 0");
        }
        return r;
    }

    /**
     * {@code setns(fd, nstype)}: moves the calling <em>thread</em> into the namespace {@code fd}
     * refers to ({@code nstype} a {@code CLONE_NEW*} flag, or 0 for any type). For a PID namespace
     * only the thread's children are affected ({@code pid_for_children}).
     */
    public static void setns(int fd, int nstype) throws IOException {
        long r = call(false, NR_SETNS, fd, nstype);
        if (r < 0) {
            throw new ErrnoException((int) -r, "setns", fd + ", " + Flags.CLONE.render(nstype));
        }
    }

    /** {@code dup3(oldfd, newfd, flags)}: makes {@code newfd} refer to what {@code oldfd} does. */
    public static void dup3(int oldfd, int newfd, int flags) throws IOException {
        long r = call(true, NR_DUP3, oldfd, newfd, flags);
        if (r < 0) {
            throw new ErrnoException((int) -r, "dup3", oldfd + ", " + newfd + ", " + Flags.OPEN.render(flags));
        }
    }

    /** {@code epoll_create1(flags)}; returns the epoll fd. */
    public static int epollCreate1(int flags) throws IOException {
        long r = call(false, NR_EPOLL_CREATE1, flags);
        if (r < 0) {
            throw new ErrnoException((int) -r, "epoll_create1", Flags.OPEN.render(flags));
        }
        return (int) r;
    }

    /** {@code epoll_ctl(epfd, op, fd, {events, data = fd})}. */
    public static void epollCtl(int epfd, int op, int fd, int events) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(Structs.EPOLL_EVENT_SIZE, 8);
            Structs.epollEvent(event, 0, events, fd);
            long r = call(false, NR_EPOLL_CTL, epfd, op, fd, event.address());
            if (r < 0) {
                throw new ErrnoException((int) -r, "epoll_ctl", epfd + ", " + op + ", " + fd + ", events");
            }
        }
    }

    /**
     * {@code epoll_wait(epfd, events, maxevents, timeout)}, made as {@code epoll_pwait} with no
     * signal mask (aarch64 has no epoll_wait); returns the number of ready events.
     */
    public static int epollWait(int epfd, MemorySegment events, int timeoutMillis) throws IOException {
        int max = (int) (events.byteSize() / Structs.EPOLL_EVENT_SIZE);
        long r = call(true, NR_EPOLL_PWAIT, epfd, events.address(), max, timeoutMillis, 0, 8);
        if (r < 0) {
            throw new ErrnoException((int) -r, "epoll_wait", epfd + ", events, " + max + ", " + timeoutMillis);
        }
        return (int) r;
    }

    /** {@code mmap(NULL, length, prot, flags, fd, 0)}; returns the mapping (never unmapped by Gatun). */
    public static MemorySegment mmap(long length, int prot, int flags, int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            long address = sys(errno, NR_MMAP, 0, length, prot, flags, fd, 0);
            if (address == -1L) {
                throw new ErrnoException(errno(errno), "mmap", "NULL, " + length + ", " + prot + ", " + flags + ", " + fd + ", 0");
            }
            return MemorySegment.ofAddress(address).reinterpret(length);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mmap downcall", t);
        }
    }

    /** {@code mprotect(addr, length, prot)}. */
    public static void mprotect(MemorySegment region, int prot) throws IOException {
        long r = call(false, NR_MPROTECT, region.address(), region.byteSize(), prot);
        if (r < 0) {
            throw new ErrnoException((int) -r, "mprotect", "addr, " + region.byteSize() + ", " + prot);
        }
    }

    /** {@code memfd_create(name, flags)}; returns the fd. */
    public static int memfdCreate(String name, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            long r = call(false, NR_MEMFD_CREATE, cname.address(), flags);
            if (r < 0) {
                throw new ErrnoException((int) -r, "memfd_create", "\"" + name + "\", " + flags);
            }
            return (int) r;
        }
    }

    /**
     * {@code statfs(path, &buf)}'s {@code f_flags}: the {@code ST_*} flags of the mount that holds
     * {@code path} (read-only, nosuid, nodev, noexec, the atime flags) — what
     * {@code /proc/self/mountinfo} says of that mount, for one syscall instead of a read and a parse.
     */
    public static long statfsFlags(String path) throws IOException {
        return statfs(path, STATFS_F_FLAGS);
    }

    /** {@code statfs(path, &buf)}'s {@code f_type}: the file system's magic number ({@code NSFS_MAGIC} …). */
    public static long statfsMagic(String path) throws IOException {
        return statfs(path, 0);
    }

    /** The long at {@code offset} of {@code statfs(path)}'s {@code struct statfs}. */
    private static long statfs(String path, long offset) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            MemorySegment buf = arena.allocate(STATFS_SIZE, 8);
            long r = call(true, NR_STATFS, cpath.address(), buf.address());
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "statfs", path, "\"" + path + "\", &buf");
            }
            return buf.get(JAVA_LONG, offset);
        }
    }

    /** {@code mount(source, target, NULL, MS_BIND, NULL)}: binds {@code source} on {@code target} in this process's mount namespace. */
    public static void bindMount(String source, String target) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment csource = arena.allocateFrom(source);
            MemorySegment ctarget = arena.allocateFrom(target);
            long r = call(false, NR_MOUNT, csource.address(), ctarget.address(), 0L, 4096L /* MS_BIND */, 0L, 0L);
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "mount", target,
                        "\"" + source + "\", \"" + target + "\", NULL, MS_BIND, NULL");
            }
        }
    }

    /**
     * {@code mount("overlay", target, "overlay", MS_NODEV, "lowerdir=…,upperdir=…,workdir=…")} in
     * this process's mount namespace. The caller makes sure no path holds a {@code ,} or {@code :}
     * (the kernel's separators in these options).
     */
    public static void overlayMount(String lower, String upper, String work, String target) throws IOException {
        String data = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment csource = arena.allocateFrom("overlay");
            MemorySegment ctarget = arena.allocateFrom(target);
            MemorySegment cdata = arena.allocateFrom(data);
            long r = call(false, NR_MOUNT, csource.address(), ctarget.address(), csource.address(), 4L /* MS_NODEV */,
                    cdata.address(), 0L);
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "mount", target,
                        "\"overlay\", \"" + target + "\", \"overlay\", MS_NODEV, \"" + data + "\"");
            }
        }
    }

    /** {@code umount2(target, MNT_DETACH)}: detaches the mount on {@code target}. */
    public static void detachMount(String target) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctarget = arena.allocateFrom(target);
            long r = call(false, NR_UMOUNT2, ctarget.address(), 2L /* MNT_DETACH */);
            if (r < 0) {
                throw ErrnoException.forFile((int) -r, "umount2", target, "\"" + target + "\", MNT_DETACH");
            }
        }
    }

    /**
     * {@code ioctl(fd, request, arg)}, retried on EINTR; returns the call's result. {@code rendered}
     * is how the request and argument read in an error ({@code "TIOCSWINSZ, &{24, 80}"}).
     */
    public static int ioctl(int fd, long request, MemorySegment arg, String rendered) throws IOException {
        long r = call(true, NR_IOCTL, fd, request, arg.address());
        if (r < 0) {
            throw new ErrnoException((int) -r, "ioctl", fd + ", " + rendered);
        }
        return (int) r;
    }

    /** {@code socket(domain, type, protocol)}; returns the fd. */
    public static int socket(int domain, int type, int protocol) throws IOException {
        long r = call(false, NR_SOCKET, domain, type, protocol);
        if (r < 0) {
            throw new ErrnoException((int) -r, "socket", domain + ", " + type + ", " + protocol);
        }
        return (int) r;
    }

    /** {@code connect(fd, addr, len)}, retried on EINTR; {@code path} names the address in errors. */
    public static void connect(int fd, MemorySegment addr, int len, String path) throws IOException {
        long r = call(true, NR_CONNECT, fd, addr.address(), len);
        if (r < 0) {
            throw ErrnoException.forFile((int) -r, "connect", path, fd + ", {AF_UNIX, \"" + path + "\"}, " + len);
        }
    }

    /** {@code sendmsg(fd, msg, flags)}, retried on EINTR; returns the bytes sent. */
    public static long sendmsg(int fd, MemorySegment msg, int flags, String rendered) throws IOException {
        long r = call(true, NR_SENDMSG, fd, msg.address(), flags);
        if (r < 0) {
            throw new ErrnoException((int) -r, "sendmsg", fd + ", " + rendered + ", " + flags);
        }
        return r;
    }

    /** {@code fcntl(fd, cmd, arg)}; returns the call's result. */
    public static int fcntl(int fd, int cmd, long arg, String rendered) throws IOException {
        long r = call(false, NR_FCNTL, fd, cmd, arg);
        if (r < 0) {
            throw new ErrnoException((int) -r, "fcntl", fd + ", " + rendered);
        }
        return (int) r;
    }

    /**
     * {@code renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)} (Linux 3.15): swaps the two
     * names atomically, whatever each is (a directory and a symlink, say).
     */
    public static void renameExchange(String a, String b) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            long r = call(false, NR_RENAMEAT2, AT_FDCWD, arena.allocateFrom(a).address(), AT_FDCWD,
                    arena.allocateFrom(b).address(), 2, 0);
            if (r < 0) {
                throw new ErrnoException((int) -r, "renameat2", "\"" + a + "\", \"" + b + "\", RENAME_EXCHANGE");
            }
        }
    }

    /**
     * {@code mkdirat(dirfd, name, mode)}. The error is the plain {@link ErrnoException}, not a JDK
     * file exception: callers tell EEXIST from ENOENT and word the message themselves.
     */
    public static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            long r = call(false, NR_MKDIRAT, dirfd, cname.address(), mode);
            if (r < 0) {
                throw new ErrnoException((int) -r, "mkdirat",
                        Flags.fd(dirfd) + ", \"" + name + "\", 0" + Integer.toOctalString(mode));
            }
        }
    }

    /**
     * {@code openat2(dirfd, path, {flags, 0, resolve}, 24)} (Linux 5.6), retried on EINTR;
     * returns the new fd. The error is the plain {@link ErrnoException}, as for {@link #mkdirat}.
     */
    public static int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            MemorySegment how = arena.allocate(24, 8); // struct open_how {u64 flags, mode, resolve}
            how.set(JAVA_LONG, 0, flags & 0xFFFF_FFFFL);
            how.set(JAVA_LONG, 16, resolve);
            long r = call(true, NR_OPENAT2, dirfd, cpath.address(), how.address(), 24);
            if (r < 0) {
                throw new ErrnoException((int) -r, "openat2", Flags.fd(dirfd) + ", \"" + path + "\", {"
                        + Flags.OPEN.render(flags) + ", resolve=" + resolve + "}");
            }
            return (int) r;
        }
    }

    /**
     * {@code bpf(cmd, attr, attr.byteSize())}, retried on EINTR; returns the call's result (a new
     * fd for the loads and the get-fd commands, 0 otherwise). {@code attr} is the command's part
     * of {@code union bpf_attr}, zero beyond what the caller set (the kernel refuses non-zero
     * bytes it does not know). {@code rendered} is how the command and attr read in an error
     * ({@code "BPF_PROG_ATTACH, {target_fd=7, ...}"}). The error is the plain
     * {@link ErrnoException}: callers word what could not be done.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/bpf.2.html">bpf(2)</a>
     */
    public static long bpf(int cmd, MemorySegment attr, String rendered) throws ErrnoException {
        long r = call(true, NR_BPF, cmd, attr.address(), attr.byteSize());
        if (r < 0) {
            throw new ErrnoException((int) -r, "bpf", rendered);
        }
        return r;
    }

    private static long sys(MemorySegment errno, long nr, long a, long b, long c, long d, long e, long f)
            throws Throwable {
        return (long) SYSCALL.invokeExact(errno, nr, a, b, c, d, e, f);
    }

    /*
     * Each method makes its call with call(), which returns the call's result or, when syscall(2)
     * returned -1, minus the errno it captured (so a result is never negative on success: fds,
     * counts and user-space addresses), and then builds its exception in plain code: no lambda per
     * call site (a fresh JVM's first container spun some thirty hidden classes for them here), and
     * still nothing built on success.
     */

    private static long call(boolean retryEintr, long nr, long a) {
        return call(retryEintr, nr, a, 0, 0, 0, 0, 0);
    }

    private static long call(boolean retryEintr, long nr, long a, long b) {
        return call(retryEintr, nr, a, b, 0, 0, 0, 0);
    }

    private static long call(boolean retryEintr, long nr, long a, long b, long c) {
        return call(retryEintr, nr, a, b, c, 0, 0, 0);
    }

    private static long call(boolean retryEintr, long nr, long a, long b, long c, long d) {
        return call(retryEintr, nr, a, b, c, d, 0, 0);
    }

    /** {@code syscall(nr, a..f)}: its result, or {@code -errno} when it failed; EINTR retried if {@code retryEintr}. */
    private static long call(boolean retryEintr, long nr, long a, long b, long c, long d, long e, long f) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            while (true) {
                long result = sys(errno, nr, a, b, c, d, e, f);
                if (result != -1) {
                    return result;
                }
                int err = errno(errno);
                if (err != Errno.EINTR || !retryEintr) {
                    return -err;
                }
            }
        } catch (RuntimeException | Error x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError("downcall threw", t);
        }
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }
}
