package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How far a new time namespace's {@code CLOCK_MONOTONIC} and {@code CLOCK_BOOTTIME} are moved from
 * the host's (other clocks are not namespaced).
 *
 * <p>Written to {@code /proc/<pid>/timens_offsets} as lines {@code <clock> <seconds> <nanoseconds>}
 * where seconds may be negative and nanoseconds are {@code 0..999999999} — exactly a
 * {@link Duration}'s {@code getSeconds()} and {@code getNano()} (−1.5 s is {@code -2 500000000}).
 * The file refers to the process's {@code time_for_children} namespace and can be written only
 * before any process has entered it, by a writer with CAP_SYS_TIME over its user namespace; so
 * the namespace is made with {@code unshare(CLONE_NEWTIME)} and entered on the next {@code fork}
 * or (since Linux 6.2) {@code execve}, see {@link Namespaces#steps()}; on older kernels the engine
 * must fork after the offsets are written.
 *
 * <p>Validated on construction: each offset's seconds within ±{@value #MAX_SECONDS} (the kernel's
 * KTIME_SEC_MAX / 2). The kernel also refuses (ERANGE) an offset that would make the clock
 * negative, which depends on the host's uptime: that is reported by {@link #writeTo(long)}.
 * Immutable. Null offsets are not allowed; use {@link Duration#ZERO}.
 *
 * @param monotonic the offset of CLOCK_MONOTONIC
 * @param boottime the offset of CLOCK_BOOTTIME
 * @see <a href="https://man7.org/linux/man-pages/man7/time_namespaces.7.html">time_namespaces(7)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#offset-for-time-namespace">OCI
 *     runtime spec: timeOffsets</a>
 */
public record TimeOffsets(Duration monotonic, Duration boottime) {

    /** No offsets. */
    public static final TimeOffsets NONE = new TimeOffsets(Duration.ZERO, Duration.ZERO);

    /** KTIME_SEC_MAX / 2: the kernel refuses larger offsets. */
    public static final long MAX_SECONDS = 4_611_686_018L;

    public TimeOffsets {
        check("timeOffsets.monotonic", monotonic);
        check("timeOffsets.boottime", boottime);
    }

    private static void check(String setting, Duration d) {
        if (d == null) {
            throw new NamespaceConfigException(setting, "null", "use Duration.ZERO for no offset");
        }
        if (Math.abs(d.getSeconds()) > MAX_SECONDS) {
            throw new NamespaceConfigException(setting, d.toString(),
                    "the kernel accepts offsets within ±" + MAX_SECONDS + " s");
        }
    }

    /** Only a monotonic offset. */
    public static TimeOffsets monotonic(Duration offset) {
        return new TimeOffsets(offset, Duration.ZERO);
    }

    /** Only a boottime offset. */
    public static TimeOffsets boottime(Duration offset) {
        return new TimeOffsets(Duration.ZERO, offset);
    }

    /**
     * The offsets from OCI's {@code timeOffsets} entries: {@code clock} is {@code monotonic} or
     * {@code boottime}, with {@code secs} and {@code nanosecs}. Returns a copy with that clock set.
     *
     * @throws NamespaceConfigException for another clock name or nanoseconds outside 0..999999999
     */
    public TimeOffsets withOci(String clock, long secs, long nanosecs) {
        String setting = "linux.timeOffsets." + clock;
        if (nanosecs < 0 || nanosecs > 999_999_999) {
            throw new NamespaceConfigException(setting + ".nanosecs", Long.toString(nanosecs), "must be 0..999999999");
        }
        Duration d = Duration.ofSeconds(secs, nanosecs);
        return switch (String.valueOf(clock)) {
            case "monotonic" -> new TimeOffsets(d, boottime);
            case "boottime" -> new TimeOffsets(monotonic, d);
            default -> throw new NamespaceConfigException("linux.timeOffsets", String.valueOf(clock),
                    "not a namespaced clock; expected monotonic or boottime");
        };
    }

    /** Whether both offsets are zero. */
    public boolean isEmpty() {
        return monotonic.isZero() && boottime.isZero();
    }

    /**
     * The text for {@code timens_offsets}: the non-zero clocks, one line each,
     * e.g. {@code "monotonic 86400 0\nboottime -2 500000000\n"}.
     */
    public String toProcText() {
        StringBuilder sb = new StringBuilder();
        line(sb, "monotonic", monotonic);
        line(sb, "boottime", boottime);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String clock, Duration d) {
        if (!d.isZero()) {
            sb.append(clock).append(' ').append(d.getSeconds()).append(' ').append(d.getNano()).append('\n');
        }
    }

    /**
     * Writes the offsets of the time namespace {@code pid} will enter ({@code /proc/<pid>/timens_offsets},
     * one {@code write(2)}). Does nothing when {@link #isEmpty()}.
     *
     * @throws IOException naming the file: EACCES when a process already entered the namespace (or
     *     it is the initial one), EPERM without CAP_SYS_TIME over it, ERANGE when an offset would
     *     make a clock negative
     */
    public void writeTo(long pid) throws IOException {
        if (isEmpty()) {
            return;
        }
        if (pid <= 0) {
            throw new NamespaceConfigException("pid", Long.toString(pid), "a pid is positive");
        }
        Path file = Path.of("/proc", Long.toString(pid), "timens_offsets");
        ProcFiles.writeOnce(file, toProcText(), "offsets can be written only before a process enters the new "
                + "time namespace (EACCES otherwise, also for the initial one), with CAP_SYS_TIME over it (EPERM), "
                + "and may not make a clock negative (ERANGE)");
    }
}
