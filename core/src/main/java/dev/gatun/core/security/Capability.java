package dev.gatun.core.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The Linux capabilities by their kernel number, {@code CAP_CHOWN} (0) to
 * {@code CAP_CHECKPOINT_RESTORE} (40), as {@code <linux/capability.h>} numbers them.
 *
 * <p>Names are the OCI spelling, with the {@code CAP_} prefix ({@link #of(String)} also accepts
 * it without the prefix and in lower case, as Docker's {@code --cap-add} does). A name this enum
 * does not know is an error; a name the running kernel does not know (its number is above
 * {@code /proc/sys/kernel/cap_last_cap}) is handled by {@link CapabilityPlan}: see there.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/capabilities.7.html">capabilities(7)</a>
 */
public enum Capability {
    CAP_CHOWN,
    CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH,
    CAP_FOWNER,
    CAP_FSETID,
    CAP_KILL,
    CAP_SETGID,
    CAP_SETUID,
    CAP_SETPCAP,
    CAP_LINUX_IMMUTABLE,
    CAP_NET_BIND_SERVICE,
    CAP_NET_BROADCAST,
    CAP_NET_ADMIN,
    CAP_NET_RAW,
    CAP_IPC_LOCK,
    CAP_IPC_OWNER,
    CAP_SYS_MODULE,
    CAP_SYS_RAWIO,
    CAP_SYS_CHROOT,
    CAP_SYS_PTRACE,
    CAP_SYS_PACCT,
    CAP_SYS_ADMIN,
    CAP_SYS_BOOT,
    CAP_SYS_NICE,
    CAP_SYS_RESOURCE,
    CAP_SYS_TIME,
    CAP_SYS_TTY_CONFIG,
    CAP_MKNOD,
    CAP_LEASE,
    CAP_AUDIT_WRITE,
    CAP_AUDIT_CONTROL,
    CAP_SETFCAP,
    CAP_MAC_OVERRIDE,
    CAP_MAC_ADMIN,
    CAP_SYSLOG,
    CAP_WAKE_ALARM,
    CAP_BLOCK_SUSPEND,
    CAP_AUDIT_READ,
    CAP_PERFMON,
    CAP_BPF,
    CAP_CHECKPOINT_RESTORE;

    private static final Capability[] BY_NUMBER = values();

    /** The kernel's number for this capability (its bit in the capability sets). */
    public int number() {
        // declaration order is the kernel's numbering; CapabilityTest pins both ends
        return ordinal();
    }

    /** The capability with kernel number {@code number}. */
    public static Capability ofNumber(int number) {
        if (number < 0 || number >= BY_NUMBER.length) {
            throw new IllegalArgumentException("no capability number " + number + " (known: 0.."
                    + (BY_NUMBER.length - 1) + ")");
        }
        return BY_NUMBER[number];
    }

    /**
     * The capability named {@code name}: {@code "CAP_NET_RAW"}, or {@code "net_raw"}.
     *
     * @throws IllegalArgumentException naming the value when no capability has that name
     */
    public static Capability of(String name) {
        if (!name.chars().allMatch(c -> c < 128)) {
            // toUpperCase maps "ſ" to "S" and "ı" to "I": "cap_ſys_admin" must not read as CAP_SYS_ADMIN
            throw new IllegalArgumentException("unknown capability \"" + name + "\" (not ASCII)");
        }
        String upper = name.toUpperCase(Locale.ROOT);
        String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        try {
            return valueOf(full);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown capability \"" + name + "\"", e);
        }
    }

    /** The highest capability number Gatun knows ({@code CAP_CHECKPOINT_RESTORE}, Linux 5.9). */
    public static int lastKnown() {
        return BY_NUMBER.length - 1;
    }

    /**
     * The highest capability number the running kernel supports, from
     * {@code /proc/sys/kernel/cap_last_cap}.
     *
     * @throws IOException when the file cannot be read (no procfs) or does not hold a number
     */
    public static int lastSupported() throws IOException {
        int known = lastSupported;
        if (known < 0) {
            // the kernel's, fixed while it runs: read once, not for every container
            known = readLastSupported();
            lastSupported = known;
        }
        return known;
    }

    private static volatile int lastSupported = -1;

    private static int readLastSupported() throws IOException {
        Path file = Path.of("/proc/sys/kernel/cap_last_cap");
        // not Files.readString: it reads /proc/sys files from a 1-byte probe, and a sysctl read at a
        // non-zero offset returns EOF, so "40" comes back as "4" (JDK 25)
        String text;
        try (InputStream in = Files.newInputStream(file)) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds \"" + text + "\", not a number", e);
        }
    }
}
