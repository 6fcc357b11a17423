package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The resource limits by their kernel number ({@code RLIMIT_CPU} = 0 ... {@code RLIMIT_RTTIME} =
 * 15, the generic numbering x86_64 and aarch64 use), and the {@code prlimit64(2)} step that sets
 * one.
 *
 * <p>Names are OCI's ({@code process.rlimits[].type}, {@code "RLIMIT_NOFILE"}). Values are
 * unsigned 64-bit; {@link #INFINITY} ({@code RLIM64_INFINITY}, all ones) is "unlimited".
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/prlimit.2.html">getrlimit(2)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-process">OCI process.rlimits</a>
 */
public enum Rlimit {
    RLIMIT_CPU,
    RLIMIT_FSIZE,
    RLIMIT_DATA,
    RLIMIT_STACK,
    RLIMIT_CORE,
    RLIMIT_RSS,
    RLIMIT_NPROC,
    RLIMIT_NOFILE,
    RLIMIT_MEMLOCK,
    RLIMIT_AS,
    RLIMIT_LOCKS,
    RLIMIT_SIGPENDING,
    RLIMIT_MSGQUEUE,
    RLIMIT_NICE,
    RLIMIT_RTPRIO,
    RLIMIT_RTTIME;

    /** {@code RLIM64_INFINITY}: no limit. */
    public static final long INFINITY = -1L;

    /** The kernel's number for this resource. */
    public int number() {
        // declaration order is the kernel's (asm-generic/resource.h); RlimitTest pins it
        return ordinal();
    }

    /**
     * The resource named {@code name}, such as {@code "RLIMIT_NOFILE"} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when no resource has that name
     */
    public static Rlimit of(String name) {
        if (!name.chars().allMatch(c -> c < 128)) {
            // toUpperCase maps "ı" to "I": "rlimit_nofıle" must not read as RLIMIT_NOFILE
            throw new IllegalArgumentException("unknown rlimit type \"" + name + "\" (not ASCII)");
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown rlimit type \"" + name + "\"", e);
        }
    }

    /**
     * The step {@code prlimit64(0, this, {soft, hard}, NULL)}.
     *
     * @param soft the soft limit (unsigned; {@link #INFINITY} for none)
     * @param hard the hard limit (unsigned; {@link #INFINITY} for none)
     * @throws IllegalArgumentException when soft is above hard, which the kernel refuses (EINVAL)
     */
    public SecurityStep.Prlimit prlimit(long soft, long hard) {
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw new IllegalArgumentException("process.rlimits " + this + ": soft " + Long.toUnsignedString(soft)
                    + " is above hard " + Long.toUnsignedString(hard));
        }
        byte[] rlimit64 = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(soft).putLong(hard).array();
        return new SecurityStep.Prlimit(number(), rlimit64,
                "prlimit64(" + this + ", " + text(soft) + ", " + text(hard) + ")");
    }

    private static String text(long value) {
        return value == INFINITY ? "unlimited" : Long.toUnsignedString(value);
    }
}
