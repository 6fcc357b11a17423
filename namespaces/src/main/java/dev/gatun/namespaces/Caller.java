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
        long uid = -1;
        long gid = -1;
        long capEff = 0;
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                uid = Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
            } else if (line.startsWith("Gid:")) {
                gid = Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
            } else if (line.startsWith("CapEff:")) {
                capEff = Long.parseUnsignedLong(line.substring(7).strip(), 16);
            }
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalStateException("no Uid:/Gid: lines in /proc/self/status");
        }
        return new Caller(name, uid, gid, has(capEff, CAP_SETUID), has(capEff, CAP_SETGID), has(capEff, CAP_SYS_ADMIN));
    }

    private static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    private static String readStatus() {
        try {
            return Files.readString(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException("read /proc/self/status", e);
        }
    }
}
