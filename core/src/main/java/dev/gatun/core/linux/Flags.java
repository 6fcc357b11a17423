package dev.gatun.core.linux;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolic rendering of flag words and enumerated constants, for error messages and for the
 * readable form of a syscall program: {@code MOUNT.render(0xe)} is {@code MS_NOSUID|MS_NODEV|MS_NOEXEC}.
 *
 * <p>A bit set renders the known bits by name, joined with {@code |}, and any remaining bits in
 * hex; zero renders as {@code 0}. An enumeration renders the name of the value, or the number.
 * Immutable and thread-safe.
 */
public final class Flags {

    /** {@code mount(2)} flags ({@code MS_*}). */
    public static final Flags MOUNT = bits(
            "MS_RDONLY", 1L, "MS_NOSUID", 2L, "MS_NODEV", 4L, "MS_NOEXEC", 8L, "MS_SYNCHRONOUS", 16L,
            "MS_REMOUNT", 32L, "MS_MANDLOCK", 64L, "MS_DIRSYNC", 128L, "MS_NOSYMFOLLOW", 256L,
            "MS_NOATIME", 1024L, "MS_NODIRATIME", 2048L, "MS_BIND", 4096L, "MS_MOVE", 8192L,
            "MS_REC", 16384L, "MS_SILENT", 32768L, "MS_UNBINDABLE", 1L << 17, "MS_PRIVATE", 1L << 18,
            "MS_SLAVE", 1L << 19, "MS_SHARED", 1L << 20, "MS_RELATIME", 1L << 21,
            "MS_STRICTATIME", 1L << 24, "MS_LAZYTIME", 1L << 25);

    /** {@code clone(2)} / {@code clone3} flags ({@code CLONE_*}). */
    public static final Flags CLONE = bits(
            "CLONE_NEWTIME", 0x80L, "CLONE_VM", 0x100L, "CLONE_FS", 0x200L, "CLONE_FILES", 0x400L,
            "CLONE_SIGHAND", 0x800L, "CLONE_PIDFD", 0x1000L, "CLONE_PTRACE", 0x2000L,
            "CLONE_VFORK", 0x4000L, "CLONE_PARENT", 0x8000L, "CLONE_THREAD", 0x10000L,
            "CLONE_NEWNS", 0x20000L, "CLONE_SYSVSEM", 0x40000L, "CLONE_SETTLS", 0x80000L,
            "CLONE_PARENT_SETTID", 0x100000L, "CLONE_CHILD_CLEARTID", 0x200000L,
            "CLONE_UNTRACED", 0x800000L, "CLONE_CHILD_SETTID", 0x1000000L,
            "CLONE_NEWCGROUP", 0x2000000L, "CLONE_NEWUTS", 0x4000000L, "CLONE_NEWIPC", 0x8000000L,
            "CLONE_NEWUSER", 0x10000000L, "CLONE_NEWPID", 0x20000000L, "CLONE_NEWNET", 0x40000000L,
            "CLONE_IO", 0x80000000L, "CLONE_CLEAR_SIGHAND", 0x100000000L,
            "CLONE_INTO_CGROUP", 0x200000000L);

    /** {@code open(2)} flags ({@code O_*}); the access mode renders as O_RDONLY, O_WRONLY or O_RDWR. */
    public static final Flags OPEN = bits(
            "O_WRONLY", 1L, "O_RDWR", 2L, "O_CREAT", 0100L, "O_EXCL", 0200L, "O_NOCTTY", 0400L,
            "O_TRUNC", 01000L, "O_APPEND", 02000L, "O_NONBLOCK", 04000L, "O_DIRECTORY", 0200000L,
            "O_NOFOLLOW", 0400000L, "O_CLOEXEC", 02000000L, "O_PATH", 010000000L);

    /** {@code umount2(2)} flags. */
    public static final Flags UMOUNT = bits("MNT_FORCE", 1L, "MNT_DETACH", 2L, "MNT_EXPIRE", 4L, "UMOUNT_NOFOLLOW", 8L);

    /** {@code close_range(2)} flags. */
    public static final Flags CLOSE_RANGE = bits("CLOSE_RANGE_UNSHARE", 2L, "CLOSE_RANGE_CLOEXEC", 4L);

    /** {@code waitid(2)} options. */
    public static final Flags WAIT = bits("WNOHANG", 1L, "WSTOPPED", 2L, "WEXITED", 4L, "WCONTINUED", 8L, "WNOWAIT", 0x1000000L);

    /** {@code prctl(2)} options (an enumeration). */
    public static final Flags PRCTL = values(
            "PR_SET_PDEATHSIG", 1L, "PR_GET_PDEATHSIG", 2L, "PR_SET_DUMPABLE", 4L, "PR_SET_KEEPCAPS", 8L,
            "PR_SET_NAME", 15L, "PR_SET_SECCOMP", 22L, "PR_CAPBSET_READ", 23L, "PR_CAPBSET_DROP", 24L,
            "PR_SET_SECUREBITS", 28L, "PR_SET_CHILD_SUBREAPER", 36L, "PR_SET_NO_NEW_PRIVS", 38L,
            "PR_CAP_AMBIENT", 47L);

    /** {@code waitid(2)} id types. */
    public static final Flags IDTYPE = values("P_ALL", 0L, "P_PID", 1L, "P_PGID", 2L, "P_PIDFD", 3L);

    /** {@code rt_sigprocmask(2)} {@code how}. */
    public static final Flags SIGPROCMASK = values("SIG_BLOCK", 0L, "SIG_UNBLOCK", 1L, "SIG_SETMASK", 2L);

    private static final String[] SIGNALS = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    private final Map<Long, String> names;
    private final boolean bitSet;

    private Flags(Map<Long, String> names, boolean bitSet) {
        this.names = names;
        this.bitSet = bitSet;
    }

    /** Renders {@code value} symbolically. */
    public String render(long value) {
        if (!bitSet) {
            String name = names.get(value);
            return name != null ? name : Long.toString(value);
        }
        if (value == 0) {
            return this == OPEN ? "O_RDONLY" : "0";
        }
        List<String> parts = new ArrayList<>();
        long rest = value;
        for (Map.Entry<Long, String> e : names.entrySet()) {
            if ((rest & e.getKey()) == e.getKey()) {
                parts.add(e.getValue());
                rest &= ~e.getKey();
            }
        }
        if (this == OPEN && (value & 3) == 0) {
            parts.addFirst("O_RDONLY");
        }
        if (rest != 0) {
            parts.add("0x" + Long.toHexString(rest));
        }
        return String.join("|", parts);
    }

    /** A signal number as its name, e.g. {@code SIGKILL}; real-time signals as {@code SIGRTMIN+n}. */
    public static String signal(long signal) {
        if (signal > 0 && signal < SIGNALS.length) {
            return SIGNALS[(int) signal];
        }
        return signal >= 34 && signal <= 64 ? "SIGRTMIN+" + (signal - 34) : Long.toString(signal);
    }

    /** A directory fd argument: {@code AT_FDCWD} or the number. */
    public static String fd(long fd) {
        return fd == LibC.AT_FDCWD ? "AT_FDCWD" : Long.toString(fd);
    }

    private static Flags bits(Object... pairs) {
        return new Flags(table(pairs), true);
    }

    private static Flags values(Object... pairs) {
        return new Flags(table(pairs), false);
    }

    private static Map<Long, String> table(Object... pairs) {
        Map<Long, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Long) pairs[i + 1], (String) pairs[i]);
        }
        return map;
    }
}
