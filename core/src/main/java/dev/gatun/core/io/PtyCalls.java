package dev.gatun.core.io;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The pseudo-terminal calls the parent makes from Java: {@code ioctl} on a pty master
 * ({@code TIOCSPTLCK}, {@code TIOCGPTN}, {@code TIOCSWINSZ}) and {@code fcntl(F_DUPFD_CLOEXEC)},
 * with the request numbers, made through {@link LibC}.
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

    private PtyCalls() {}

    /** {@code ioctl(master, TIOCSPTLCK, &0)}: what {@code unlockpt(3)} does. */
    static void unlock(int master) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            LibC.ioctl(master, TIOCSPTLCK, zero, "TIOCSPTLCK, &0");
        }
    }

    /** {@code ioctl(master, TIOCGPTN, &n)}: the slave's number, as in {@code /dev/pts/<n>}. */
    static int slaveNumber(int master) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            LibC.ioctl(master, TIOCGPTN, n, "TIOCGPTN, &n");
            return n.get(JAVA_INT, 0);
        }
    }

    /** {@code ioctl(fd, TIOCSWINSZ, &{rows, cols, 0, 0})}: the kernel sends SIGWINCH to the foreground group. */
    static void setWindowSize(int fd, int rows, int cols) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2); // struct winsize {ws_row, ws_col, ws_xpixel, ws_ypixel}
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            LibC.ioctl(fd, TIOCSWINSZ, ws, "TIOCSWINSZ, &{" + rows + ", " + cols + "}");
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a second fd for the same open file. */
    static int dupCloexec(int fd) throws IOException {
        return LibC.fcntl(fd, F_DUPFD_CLOEXEC, 0, "F_DUPFD_CLOEXEC, 0");
    }
}
