package dev.gatun.oci;

import java.util.Locale;
import java.util.Optional;

/**
 * A Linux capability, as named in {@code process.capabilities} ({@code CAP_SYS_ADMIN}), with its
 * bit number in the kernel's capability sets. Covers the kernel's capabilities up to
 * {@code CAP_CHECKPOINT_RESTORE} (Linux 5.9); a newer name is not known and fails validation.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/capabilities.7.html">capabilities(7)</a>
 */
public enum Capability {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
    CAP_SETUID, CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST,
    CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_SYS_MODULE, CAP_SYS_RAWIO,
    CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_PACCT, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_NICE,
    CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_MKNOD, CAP_LEASE, CAP_AUDIT_WRITE,
    CAP_AUDIT_CONTROL, CAP_SETFCAP, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_SYSLOG, CAP_WAKE_ALARM,
    CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE;

    /** Returns the capability's bit number (its {@code CAP_*} value in linux/capability.h). */
    public int number() {
        // declared in kernel order, from 0
        return ordinal();
    }

    /**
     * Returns the capability named {@code name}, exactly as the spec writes it ({@code CAP_KILL}).
     *
     * @throws IllegalArgumentException naming the value, when it is not a known capability
     */
    public static Capability parse(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown capability " + quote(name) + hint(name)));
    }

    /** Returns the capability named {@code name}, or empty; never throws. */
    public static Optional<Capability> find(String name) {
        if (name == null || !name.startsWith("CAP_")) {
            return Optional.empty();
        }
        for (Capability c : values()) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** A suggestion for the usual slips: lower case, or the prefix left out. */
    static String hint(String name) {
        if (name == null) {
            return "";
        }
        String upper = name.toUpperCase(Locale.ROOT);
        String fixed = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        return !fixed.equals(name) && find(fixed).isPresent() ? " (did you mean " + fixed + "?)" : "";
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
