package dev.gatun.core.io;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;

/**
 * The three standard streams of a container's init, prepared in the parent before the clone:
 * for each of stdin, stdout and stderr, the fd the child will {@code dup3} onto 0, 1 or 2 and, for
 * a {@link Redirect#PIPE}, the parent's end as a stream. Redirects mean what they mean to
 * {@link ProcessBuilder}: {@code PIPE}, {@code INHERIT} (the JVM's own fd), {@code DISCARD}
 * ({@code /dev/null}), a file to read, write or append.
 *
 * <p>Every fd is opened {@code O_CLOEXEC}: the child's {@code dup3} makes the 0/1/2 copies that
 * survive exec. After the clone, the parent calls {@link #closeChildEnds()}: the child has its own
 * copies, and a pipe must have one writer only for its reader to see end of file.
 *
 * <p>A pseudo-terminal (OCI {@code process.terminal}) is the other kind, in two forms. The child
 * has the slave on 0, 1 and 2 (and makes it its controlling terminal); the parent keeps the
 * master: {@link #stdout()} reads it (stdout and stderr merged, as on any terminal),
 * {@link #stdin()} writes it, {@link #stderr()} is empty. {@link #close()} closes the master.
 *
 * <ul>
 *   <li>{@link #terminalFromContainer()}: the container's init opens the pty in its own devpts
 *       ({@link ContainerConsole}) and the parent {@linkplain #adoptTerminalMaster adopts} the
 *       master while the init waits at "created"; until then there are no streams. This is the
 *       form runc and crun use: {@code ttyname(3)} inside names the terminal.
 *   <li>{@link #openTerminal}: the parent opens the pty from the host's {@code /dev/ptmx} before
 *       the clone, and the child gets the slave's fd; for containers without a devpts of their
 *       own (no new mount namespace, or no devpts at {@code /dev/pts}). {@code ttyname(3)}
 *       inside then fails: the slave belongs to a devpts instance the container cannot see.
 * </ul>
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/pty.7.html">pty(7)</a>
 */
public final class Stdio implements AutoCloseable {

    private static final int O_CLOEXEC = 02000000;
    private static final int O_APPEND = 02000;
    private static final int O_TRUNC = 01000;
    private static final int O_NOCTTY = 0400;

    private final int[] childFds = new int[3];
    private final List<Integer> childOwned = new ArrayList<>();
    private OutputStream stdin;
    private InputStream stdout;
    private InputStream stderr;
    // the pty master kept for resizing, or -1; the streams read and write their own dups of it
    private int terminalMaster = -1;
    // a terminal whose master the container's init opens (adopted later)
    private final boolean masterFromContainer;
    private boolean closed;

    private Stdio(boolean masterFromContainer) {
        this.masterFromContainer = masterFromContainer;
    }

    /**
     * Opens a pseudo-terminal as {@code posix_openpt}, {@code unlockpt} and {@code ptsname} do:
     * {@code /dev/ptmx}, unlocked, and its slave {@code /dev/pts/<n>}, both {@code O_NOCTTY} (the
     * parent must not acquire it as its own controlling terminal). On failure everything opened
     * so far is closed.
     *
     * @param rows the window's rows, or 0 to leave the kernel's default (0 x 0)
     * @param cols the window's columns, or 0 to leave the kernel's default
     */
    public static Stdio openTerminal(int rows, int cols) throws IOException {
        if (rows < 0 || cols < 0 || rows > 0xFFFF || cols > 0xFFFF) {
            throw new IllegalArgumentException("consoleSize: " + rows + " x " + cols + " is outside 0..65535");
        }
        Stdio s = new Stdio(false);
        try {
            int master = LibC.openat(LibC.AT_FDCWD, "/dev/ptmx", LibC.O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
            s.terminalMaster = master;
            PtyCalls.unlock(master);
            int slave = s.own(LibC.openat(LibC.AT_FDCWD, "/dev/pts/" + PtyCalls.slaveNumber(master),
                    LibC.O_RDWR | O_NOCTTY | O_CLOEXEC, 0));
            if (rows > 0 || cols > 0) {
                PtyCalls.setWindowSize(master, rows, cols);
            }
            s.childFds[0] = slave;
            s.childFds[1] = slave;
            s.childFds[2] = slave;
            s.stdout = new FdInputStream(PtyCalls.dupCloexec(master), true);
            s.stdin = new FdOutputStream(PtyCalls.dupCloexec(master));
            return s;
        } catch (IOException | RuntimeException | Error e) {
            s.closeQuietly();
            throw e;
        }
    }

    /**
     * A terminal the container's init makes in its own devpts instance ({@link ContainerConsole}):
     * no fd yet; the streams exist once {@link #adoptTerminalMaster} has the master. The window
     * size is the init's to set ({@code TIOCSWINSZ} on its slave).
     */
    public static Stdio terminalFromContainer() {
        return new Stdio(true);
    }

    /**
     * Makes {@code master}, the container's pty master copied into this process, the terminal the
     * streams read and write and {@link #resizeTerminal} resizes; this {@code Stdio} owns it from
     * now on (also when this fails: it is closed then).
     *
     * @throws IllegalStateException unless this is an open {@link #terminalFromContainer()}
     *     without a master yet
     */
    public synchronized void adoptTerminalMaster(int master) throws IOException {
        if (!masterFromContainer || terminalMaster >= 0 || closed) {
            IllegalStateException e = new IllegalStateException(
                    "this stdio takes no pty master from the container (or has one already, or is closed)");
            try {
                LibC.close(master);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        terminalMaster = master;
        int out = PtyCalls.dupCloexec(master);
        try {
            stdin = new FdOutputStream(PtyCalls.dupCloexec(master));
        } catch (IOException | RuntimeException e) {
            LibC.close(out);
            throw e;
        }
        stdout = new FdInputStream(out, true);
    }

    /**
     * Opens what the redirects need. On failure everything opened so far is closed.
     *
     * @param redirectErrorStream like {@link ProcessBuilder#redirectErrorStream(boolean)}: stderr
     *     goes where stdout goes
     */
    public static Stdio open(Redirect in, Redirect out, Redirect err, boolean redirectErrorStream) throws IOException {
        Stdio s = new Stdio(false);
        try {
            s.setUp(0, in);
            s.setUp(1, out);
            if (redirectErrorStream) {
                s.childFds[2] = s.childFds[1];
            } else {
                s.setUp(2, err);
            }
            return s;
        } catch (IOException | RuntimeException | Error e) {
            s.closeQuietly();
            throw e;
        }
    }

    /**
     * The fd the child puts on {@code stream} (0, 1 or 2); the fd itself when inherited.
     *
     * @throws IllegalStateException for a {@link #terminalFromContainer()}: the child opens its fds itself
     */
    public int childFd(int stream) {
        if (masterFromContainer) {
            throw new IllegalStateException("the container's init opens its terminal itself: there is no fd to hand it");
        }
        return childFds[stream];
    }

    /** The pty master's fd in this process, or -1 (no terminal, or not taken from the container yet). */
    public synchronized int terminalMaster() {
        return terminalMaster;
    }

    /** Whether the child's stdio is a pseudo-terminal, in either form. */
    public synchronized boolean isTerminal() {
        return terminalMaster >= 0 || masterFromContainer;
    }

    /** Whether the child's stdio is a pseudo-terminal the container's init makes ({@link #terminalFromContainer()}). */
    public boolean isTerminalFromContainer() {
        return masterFromContainer;
    }

    /**
     * Sets the terminal's window size ({@code TIOCSWINSZ} on the master); the kernel sends
     * {@code SIGWINCH} to the terminal's foreground process group.
     *
     * @throws IllegalStateException when the stdio is no terminal, or closed
     */
    public synchronized void resizeTerminal(int rows, int cols) throws IOException {
        if (terminalMaster < 0) {
            throw new IllegalStateException("the container has no terminal (or it is closed)");
        }
        if (rows < 0 || cols < 0 || rows > 0xFFFF || cols > 0xFFFF) {
            throw new IllegalArgumentException("window size: " + rows + " x " + cols + " is outside 0..65535");
        }
        PtyCalls.setWindowSize(terminalMaster, rows, cols);
    }

    /** The parent's end of stdin, or a null stream when stdin is not a pipe. */
    public OutputStream stdin() {
        return stdin != null ? stdin : OutputStream.nullOutputStream();
    }

    /** The parent's end of stdout, or a null stream when stdout is not a pipe. */
    public InputStream stdout() {
        return stdout != null ? stdout : InputStream.nullInputStream();
    }

    /** The parent's end of stderr, or a null stream when stderr is not a pipe. */
    public InputStream stderr() {
        return stderr != null ? stderr : InputStream.nullInputStream();
    }

    /** Closes the fds that were only for the child; call once the clone returned. */
    public void closeChildEnds() throws IOException {
        IOException failure = null;
        for (int fd : childOwned) {
            try {
                LibC.close(fd);
            } catch (IOException e) {
                failure = e;
            }
        }
        childOwned.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes everything: the child's ends and the parent's streams. */
    @Override
    public void close() throws IOException {
        try {
            closeChildEnds();
        } finally {
            // the pty master goes even when a child end would not close: it is the container's
            // terminal, and a leaked master keeps a /dev/pts entry alive
            closeTerminalMaster();
        }
        for (AutoCloseable c : new AutoCloseable[] {stdin, stdout, stderr}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the streams may already be closed by their reader
                }
            }
        }
    }

    private synchronized void closeTerminalMaster() throws IOException {
        closed = true;
        if (terminalMaster >= 0) {
            int master = terminalMaster;
            terminalMaster = -1;
            LibC.close(master);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            // opening failed already; that error is the one to report
        }
    }

    private void setUp(int stream, Redirect r) throws IOException {
        switch (r.type()) {
            case PIPE -> {
                int[] p = LibC.pipe2(O_CLOEXEC);
                if (stream == 0) {
                    childFds[0] = own(p[0]);
                    stdin = new FdOutputStream(p[1]);
                } else {
                    childFds[stream] = own(p[1]);
                    if (stream == 1) {
                        stdout = new FdInputStream(p[0]);
                    } else {
                        stderr = new FdInputStream(p[0]);
                    }
                }
            }
            case INHERIT -> childFds[stream] = stream;
            case READ -> childFds[stream] = own(LibC.openat(LibC.AT_FDCWD, r.file().getPath(), LibC.O_RDONLY | O_CLOEXEC, 0));
            case WRITE -> childFds[stream] = own(LibC.openat(LibC.AT_FDCWD, r.file().getPath(),
                    LibC.O_WRONLY | LibC.O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            case APPEND -> childFds[stream] = own(LibC.openat(LibC.AT_FDCWD, r.file().getPath(),
                    LibC.O_WRONLY | LibC.O_CREAT | O_APPEND | O_CLOEXEC, 0644));
            default -> throw new IllegalArgumentException("unsupported redirect " + r);
        }
    }

    private int own(int fd) {
        childOwned.add(fd);
        return fd;
    }
}
