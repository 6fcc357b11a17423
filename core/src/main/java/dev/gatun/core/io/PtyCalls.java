package dev.gatun.core.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
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
 * The pseudo-terminal calls the parent makes from Java: {@code ioctl} on a pty master
 * ({@code TIOCSPTLCK}, {@code TIOCGPTN}, {@code TIOCSWINSZ}) and {@code fcntl(F_DUPFD_CLOEXEC)}.
 * Kept out of {@code LibC}, in its pattern (errno captured per call, EINTR retried), so that the
 * binding file stays untouched while several people work in {@code core}.
 *
 * <p>Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/TIOCSCTTY.2const.html">ioctl_tty(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/pty.7.html">pty(7)</a>
 */
public final class PtyCalls {

    /** {@code TIOCSCTTY}: make the tty the caller's controlling terminal. */
    public static final long TIOCSCTTY = 0x540E;
    /** {@code TIOCSWINSZ}: set the window size. */
    public static final long TIOCSWINSZ = 0x5414;
    /** {@code TIOCGWINSZ}: get the window size. */
    public static final long TIOCGWINSZ = 0x5413;
    /** {@code TIOCGPTN}: the number of the master's slave ({@code _IOR('T', 0x30, unsigned int)}). */
    public static final long TIOCGPTN = 0x80045430L;
    /** {@code TIOCSPTLCK}: lock or unlock the slave ({@code _IOW('T', 0x31, int)}). */
    public static final long TIOCSPTLCK = 0x40045431L;
    /** {@code TIOCGPTPEER}: open the master's slave through the master's own devpts mount ({@code _IO('T', 0x41)}, Linux 4.13). */
    public static final long TIOCGPTPEER = 0x5441L;

    private static final int F_DUPFD_CLOEXEC = 1030;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // ioctl(2) and fcntl(2) are variadic after the request
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle FCNTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("fcntl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));

    private PtyCalls() {}

    /** {@code ioctl(master, TIOCSPTLCK, &0)}: what {@code unlockpt(3)} does. */
    static void unlock(int master) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            ioctl(master, TIOCSPTLCK, zero, "TIOCSPTLCK, &0");
        }
    }

    /** {@code ioctl(master, TIOCGPTN, &n)}: the slave's number, as in {@code /dev/pts/<n>}. */
    static int slaveNumber(int master) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            ioctl(master, TIOCGPTN, n, "TIOCGPTN, &n");
            return n.get(JAVA_INT, 0);
        }
    }

    /** {@code ioctl(fd, TIOCSWINSZ, &{rows, cols, 0, 0})}: the kernel sends SIGWINCH to the foreground group. */
    static void setWindowSize(int fd, int rows, int cols) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2); // struct winsize {ws_row, ws_col, ws_xpixel, ws_ypixel}
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            ioctl(fd, TIOCSWINSZ, ws, "TIOCSWINSZ, &{" + rows + ", " + cols + "}");
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a second fd for the same open file. */
    static int dupCloexec(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int r = (int) FCNTL.invokeExact(errno, fd, F_DUPFD_CLOEXEC, 0);
            if (r == -1) {
                throw new ErrnoException((int) ERRNO.get(errno, 0L), "fcntl", fd + ", F_DUPFD_CLOEXEC, 0");
            }
            return r;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fcntl downcall", t);
        }
    }

    private static void ioctl(int fd, long request, MemorySegment arg, String rendered) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            while (true) {
                int r = (int) IOCTL.invokeExact(errno, fd, request, arg);
                if (r != -1) {
                    return;
                }
                int e = (int) ERRNO.get(errno, 0L);
                if (e != Errno.EINTR) {
                    throw new ErrnoException(e, "ioctl", fd + ", " + rendered);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ioctl downcall", t);
        }
    }
}
