package dev.gatun.core.io;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Slot;
import dev.gatun.core.spawn.Step;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The terminal a container's init makes for itself in its own devpts instance, as runc and crun
 * make it: the steps the child runs after {@code pivot_root}, and the two fds they leave behind.
 *
 * <pre>
 *  $pty_master = openat(AT_FDCWD, "/dev/pts/ptmx", O_RDWR|O_NOCTTY|O_CLOEXEC, 0)
 *  ioctl($pty_master, TIOCSPTLCK, &amp;0)                     unlockpt(3)
 *  $pty = ioctl($pty_master, TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC)
 *  ioctl($pty, TIOCSWINSZ, &amp;{rows, cols})                 when a console size is given
 *  fchown($pty, uid, -1)                                  when the process's user is not root
 *  mknodat(AT_FDCWD, "/dev/console", S_IFREG|0666, 0) allowing EEXIST
 *  $console_target = openat2(AT_FDCWD, "/dev/console", &amp;{O_PATH|O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS}, 24)
 *  $console = open_tree($pty, "", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH)
 *  move_mount($console, "", $console_target, "", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)
 *  close($console), close($console_target)
 *  ioctl($pty, TIOCSCTTY, 0)                              after setsid: the controlling terminal
 * </pre>
 *
 * <p>Why each: {@code /dev/pts/ptmx} rather than {@code /dev/ptmx}, so that only the devpts mount
 * is needed (not the {@code ptmx -> pts/ptmx} link). {@code TIOCGPTPEER} opens the slave through
 * the master's own mount, with no path to format at run time (the executor cannot), and it is
 * the container's devpts, so {@code ttyname(3)} inside names it ({@code /dev/pts/0}). The slave
 * belongs to the process's user, as runc gives its stdio to that user, so that it can open its
 * terminal by name too ({@code mode=0620}: root's otherwise). The slave is
 * bind-mounted over an empty {@code /dev/console} with {@code open_tree}/{@code move_mount} (Linux
 * 5.2) from the fd itself, so that neither its number nor {@code /proc} is needed, onto an O_PATH
 * fd of {@code /dev/console} opened with {@code RESOLVE_NO_SYMLINKS}: a {@code /dev/console}
 * that is a symlink (a rootfs's own {@code /dev}, bind-mounted) fails with ELOOP instead of
 * taking the mount somewhere else, such as over a {@code /proc} file (CVE-2025-52565). The caller then
 * puts {@link #slave()} on 0, 1 and 2 ({@code dup3}), and the parent takes {@link #master()} with
 * {@link dev.gatun.core.spawn.Handshake#takeFd} while the child waits at the "created" pause. Both
 * fds are O_CLOEXEC: the command execs with only the 0, 1, 2 copies of the slave. The parent's
 * {@code pidfd_getfd} needs ptrace access to the init ({@code PTRACE_MODE_ATTACH_REALCREDS}):
 * root has it, but a host with Yama's {@code ptrace_scope} at 3 refuses it, and create then
 * fails naming {@code pidfd_getfd}.
 *
 * <p>Preconditions the planner checks ({@code ContainerPlanner}): a new mount namespace, a devpts
 * mounted at {@code /dev/pts} (every devpts mount is a new instance since Linux 4.7), a writable
 * {@code /dev} (the default tmpfs), the steps placed after {@code pivot_root} and {@code setsid}
 * and before the capability drop.
 *
 * @param master the slot of the pty master's fd in the child
 * @param slave the slot of the pty slave's fd in the child
 * @see <a href="https://man7.org/linux/man-pages/man2/TIOCSPTLCK.2const.html">TIOCSPTLCK, TIOCGPTPEER</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/open_tree.2.html">open_tree(2)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime-linux.md#devices">runtime-linux.md: /dev/console</a>
 */
public record ContainerConsole(Slot master, Slot slave) {

    private static final int PTY_OPEN = LibC.O_RDWR | 0400 /* O_NOCTTY */ | 02000000 /* O_CLOEXEC */;
    private static final int S_IFREG = 0100000;
    private static final long OPEN_TREE_CLONE = 1;
    private static final long OPEN_TREE_CLOEXEC = 02000000;
    private static final long AT_EMPTY_PATH = 0x1000;
    private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;

    /**
     * Appends the steps above.
     *
     * @param rows the window's rows, or 0 with {@code cols} 0 for the kernel's 0 x 0
     * @param cols the window's columns
     * @param uid the uid the process runs as, in the container's user namespace
     * @return the slots of the master and the slave
     */
    public static ContainerConsole append(Program.Builder b, int rows, int cols, long uid) {
        if (rows < 0 || cols < 0 || rows > 0xFFFF || cols > 0xFFFF) {
            throw new IllegalArgumentException("consoleSize: " + rows + " x " + cols + " is outside 0..65535");
        }
        Slot master = Slot.named("pty_master");
        Slot slave = Slot.named("pty");
        Slot console = Slot.named("console");
        Slot target = Slot.named("console_target");
        b.openat(master, LibC.AT_FDCWD, "/dev/pts/ptmx", PTY_OPEN, 0);
        b.syscall("ioctl", Arg.valueOf(master), new Arg.Value(PtyCalls.TIOCSPTLCK, "TIOCSPTLCK"),
                new Arg.Bytes(new byte[4], "&0"));
        b.step(Step.of("ioctl", Arg.valueOf(master), new Arg.Value(PtyCalls.TIOCGPTPEER, "TIOCGPTPEER"),
                Arg.flags(PTY_OPEN, Flags.OPEN)).storingIn(slave));
        if (rows > 0 || cols > 0) {
            // struct winsize {ws_row, ws_col, ws_xpixel, ws_ypixel}
            byte[] ws = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
                    .putShort((short) rows).putShort((short) cols).array();
            b.syscall("ioctl", Arg.valueOf(slave), new Arg.Value(PtyCalls.TIOCSWINSZ, "TIOCSWINSZ"),
                    new Arg.Bytes(ws, "&{" + rows + ", " + cols + "}"));
        }
        if (uid != 0) {
            b.syscall("fchown", Arg.valueOf(slave), Arg.of(uid), Arg.of(-1));
        }
        b.step(Step.of("mknodat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text("/dev/console"),
                new Arg.Value(S_IFREG | 0666, "S_IFREG|0666"), Arg.of(0)).allowing(Errno.EEXIST));
        // struct open_how {u64 flags, u64 mode, u64 resolve}
        byte[] how = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder())
                .putLong(LibC.O_PATH | LibC.O_CLOEXEC).putLong(0).putLong(RESOLVE_NO_SYMLINKS).array();
        b.step(Step.of("openat2", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text("/dev/console"),
                new Arg.Bytes(how, "&{O_PATH|O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS}"), Arg.of(24)).storingIn(target));
        b.step(Step.of("open_tree", Arg.valueOf(slave), new Arg.Text(""),
                new Arg.Value(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH,
                        "OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH")).storingIn(console));
        b.syscall("move_mount", Arg.valueOf(console), new Arg.Text(""), Arg.valueOf(target), new Arg.Text(""),
                new Arg.Value(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH, "MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH"));
        b.close(console);
        b.close(target);
        b.syscall("ioctl", Arg.valueOf(slave), new Arg.Value(PtyCalls.TIOCSCTTY, "TIOCSCTTY"), Arg.of(0));
        return new ContainerConsole(master, slave);
    }
}
