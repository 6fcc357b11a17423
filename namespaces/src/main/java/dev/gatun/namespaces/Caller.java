package dev.gatun.namespaces;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who is about to write ID maps or create a user namespace: the user name, effective uid and gid,
 * and the three capabilities the kernel's rules turn on.
 *
 * <p>{@link #current()} reads {@code /proc/self/status} and takes the name from
 * {@code user.name} (the JDK resolves the real uid through {@code getpwuid}, as {@code newuidmap}
 * does). Immutable.
 *
 * @param name the user name, used to find {@code /etc/subuid} entries by name
 * @param uid the effective uid
 * @param gid the effective gid
 * @param capSetuid whether CAP_SETUID is effective (may write any uid_map, within its own ids)
 * @param capSetgid whether CAP_SETGID is effective (may write any gid_map)
 * @param capSysAdmin whether CAP_SYS_ADMIN is effective (not subject to unprivileged user
 *     namespace restrictions)
 * @see <a href="https://man7.org/linux/man-pages/man5/proc_pid_status.5.html">proc_pid_status(5)</a>
 */
public record Caller(String name, long uid, long gid, boolean capSetuid, boolean capSetgid, boolean capSysAdmin) {

    private static final int CAP_SETGID = 6;
    private static final int CAP_SETUID = 7;
    private static final int CAP_SYS_ADMIN = 21;

    public Caller {
        if (name == null || name.isEmpty()) {
            throw new NamespaceConfigException("caller.name", String.valueOf(name), "a user name is required");
        }
    }

    /** An unprivileged caller: no capabilities. */
    public static Caller unprivileged(String name, long uid, long gid) {
        return new Caller(name, uid, gid, false, false, false);
    }

    /** This process, from {@code /proc/self/status} and {@code user.name}. */
    public static Caller current() {
        return parseStatus(System.getProperty("user.name"), readStatus());
    }

    static Caller parseStatus(String name, String status) {
        // three lines of some sixty: found by their keys, not by splitting the whole file
        String uid = field(status, "Uid:");
        String gid = field(status, "Gid:");
        String capEff = field(status, "CapEff:");
        if (uid == null || gid == null) {
            throw new IllegalStateException("no Uid:/Gid: lines in /proc/self/status");
        }
        long caps = capEff == null ? 0 : Long.parseUnsignedLong(capEff, 16);
        return new Caller(name, effective(uid), effective(gid), has(caps, CAP_SETUID), has(caps, CAP_SETGID),
                has(caps, CAP_SYS_ADMIN));
    }

    /** The value after {@code key} at the start of a line, trimmed; null when no line has the key. */
    private static String field(String status, String key) {
        int at = 0;
        if (!status.startsWith(key)) {
            at = status.indexOf("\n" + key);
            if (at < 0) {
                return null;
            }
            at++;
        }
        int start = at + key.length();
        int end = status.indexOf('\n', start);
        return status.substring(start, end < 0 ? status.length() : end).strip();
    }

    /** The second of "real effective saved fs" ids. */
    private static long effective(String ids) {
        String[] f = ids.split("\\s+");
        return Long.parseLong(f[1]);
    }

    private static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    private static String readStatus() {
        try {
            return Files.readString(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status: " + e.getMessage(), e);
        }
    }
}
