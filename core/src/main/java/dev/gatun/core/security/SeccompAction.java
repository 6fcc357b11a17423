package dev.gatun.core.security;

import java.util.Locale;

/**
 * What a seccomp filter returns for a system call: one of the kernel's {@code SECCOMP_RET_*}
 * actions and, for {@link Kind#ERRNO} and {@link Kind#TRACE}, its 16-bit data.
 *
 * <p>Names follow libseccomp and OCI ({@code SCMP_ACT_ERRNO}); {@code SCMP_ACT_KILL} is
 * {@link Kind#KILL_THREAD}, as in libseccomp. An {@code ERRNO} or {@code TRACE} action without a
 * value gets {@code EPERM} (1), as runc gives it. Immutable and thread-safe.
 *
 * @param kind the action
 * @param data the errno for {@link Kind#ERRNO} (0..4095), the message for {@link Kind#TRACE}
 *     (0..65535), 0 for the others
 * @see <a href="https://man7.org/linux/man-pages/man2/seccomp.2.html">seccomp(2), "Filter return values"</a>
 */
public record SeccompAction(Kind kind, int data) {

    /** {@code EPERM}: the errno of an {@code ERRNO} or {@code TRACE} action that names none. */
    public static final int EPERM = 1;

    /** The kernel's actions, with their {@code SECCOMP_RET_*} values. */
    public enum Kind {
        /** {@code SECCOMP_RET_KILL_PROCESS}: the whole process dies (as by SIGSYS). */
        KILL_PROCESS(0x8000_0000),
        /** {@code SECCOMP_RET_KILL_THREAD}: the calling thread dies (libseccomp's SCMP_ACT_KILL). */
        KILL_THREAD(0x0000_0000),
        /** {@code SECCOMP_RET_TRAP}: a SIGSYS is sent to the thread. */
        TRAP(0x0003_0000),
        /** {@code SECCOMP_RET_ERRNO}: the call fails with errno {@code data}, not run. */
        ERRNO(0x0005_0000),
        /** {@code SECCOMP_RET_USER_NOTIF}: a listener decides (needs a listener fd). */
        NOTIFY(0x7FC0_0000),
        /** {@code SECCOMP_RET_TRACE}: a ptrace tracer is notified with {@code data}; ENOSYS if none. */
        TRACE(0x7FF0_0000),
        /** {@code SECCOMP_RET_LOG}: the call runs and is logged. */
        LOG(0x7FFC_0000),
        /** {@code SECCOMP_RET_ALLOW}: the call runs. */
        ALLOW(0x7FFF_0000);

        private final int ret;

        Kind(int ret) {
            this.ret = ret;
        }

        /** The {@code SECCOMP_RET_*} value, without data. */
        public int ret() {
            return ret;
        }
    }

    /**
     * Checks the data against the kind.
     *
     * @throws IllegalArgumentException when the data is out of range or given to a kind without data
     */
    public SeccompAction {
        if (kind == null) {
            throw new IllegalArgumentException("seccomp action kind is null");
        }
        switch (kind) {
            // the kernel clamps a larger errno to MAX_ERRNO (4095); refuse it instead of surprising
            case ERRNO -> requireRange(data, 4095, "errnoRet");
            case TRACE -> requireRange(data, 0xFFFF, "errnoRet (trace message)");
            default -> {
                if (data != 0) {
                    throw new IllegalArgumentException("seccomp action " + kind + " takes no errnoRet, got " + data);
                }
            }
        }
    }

    /** {@code SCMP_ACT_ALLOW}. */
    public static SeccompAction allow() {
        return new SeccompAction(Kind.ALLOW, 0);
    }

    /** {@code SCMP_ACT_ERRNO(errno)}. */
    public static SeccompAction errno(int errno) {
        return new SeccompAction(Kind.ERRNO, errno);
    }

    /** {@code SCMP_ACT_TRACE(message)}. */
    public static SeccompAction trace(int message) {
        return new SeccompAction(Kind.TRACE, message);
    }

    /** An action without data: {@code KILL_PROCESS}, {@code KILL_THREAD}, {@code TRAP}, {@code LOG}, ... */
    public static SeccompAction of(Kind kind) {
        return new SeccompAction(kind, 0);
    }

    /**
     * The action of an OCI / libseccomp name such as {@code "SCMP_ACT_ERRNO"}, with the
     * {@code errnoRet} of the profile (null: {@code EPERM} for ERRNO and TRACE).
     *
     * @throws IllegalArgumentException naming the value when the name is unknown
     */
    public static SeccompAction of(String name, Integer errnoRet) {
        Kind kind = switch (name.toUpperCase(Locale.ROOT)) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> Kind.KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> Kind.KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> Kind.TRAP;
            case "SCMP_ACT_ERRNO" -> Kind.ERRNO;
            case "SCMP_ACT_NOTIFY" -> Kind.NOTIFY;
            case "SCMP_ACT_TRACE" -> Kind.TRACE;
            case "SCMP_ACT_LOG" -> Kind.LOG;
            case "SCMP_ACT_ALLOW" -> Kind.ALLOW;
            default -> throw new IllegalArgumentException("unknown seccomp action \"" + name + "\"");
        };
        boolean takesData = kind == Kind.ERRNO || kind == Kind.TRACE;
        if (!takesData) {
            // OCI allows errnoRet only with ERRNO and TRACE; runc ignores it elsewhere, so do we
            return of(kind);
        }
        return new SeccompAction(kind, errnoRet == null ? EPERM : errnoRet);
    }

    /** The 32-bit filter return value: the kind's {@code SECCOMP_RET_*} with the data. */
    public int ret() {
        return kind.ret() | data;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ERRNO, TRACE -> kind + "(" + data + ")";
            default -> kind.toString();
        };
    }

    private static void requireRange(int value, int max, String what) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException("seccomp " + what + " " + value + " is outside 0.." + max);
        }
    }
}
