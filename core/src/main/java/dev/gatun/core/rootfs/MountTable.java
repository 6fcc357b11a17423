package dev.gatun.core.rootfs;

import dev.gatun.oci.MountOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The host's mount table as the parent sees it ({@code /proc/self/mountinfo}), read for one fact:
 * the per-mount flags a bind remount must keep. In a user namespace the kernel locks
 * {@code nosuid}, {@code nodev}, {@code noexec} and the atime flags of a mount it copied, and a
 * remount that drops one fails with EPERM; outside one, dropping them would quietly give the
 * container more than the source had. runc keeps them for the same reasons.
 *
 * @see <a href="https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html">proc_pid_mountinfo(5)</a>
 */
final class MountTable {

    /** The flags a remount keeps from the mount it remounts. */
    static final long LOCKED = MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC
            | MountOptions.MS_NOATIME | MountOptions.MS_NODIRATIME | MountOptions.MS_RELATIME;

    private static final Map<String, Long> OPTION_FLAGS = Map.of(
            "nosuid", MountOptions.MS_NOSUID, "nodev", MountOptions.MS_NODEV, "noexec", MountOptions.MS_NOEXEC,
            "noatime", MountOptions.MS_NOATIME, "nodiratime", MountOptions.MS_NODIRATIME,
            "relatime", MountOptions.MS_RELATIME);

    private MountTable() {}

    /** The {@link #LOCKED} flags of the host mount that holds {@code path} (an absolute, resolved path). */
    static long lockedFlags(Path path) throws IOException {
        return lockedFlags(Files.readAllLines(Path.of("/proc/self/mountinfo")), path);
    }

    /** {@link #lockedFlags(Path)} from the given mountinfo lines; the last, longest mount point wins. */
    static long lockedFlags(List<String> mountinfo, Path path) {
        Path best = null;
        long flags = 0;
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            if (f.length < 6) {
                continue;
            }
            Path point = Path.of(unescape(f[4]));
            if (path.startsWith(point) && (best == null || point.getNameCount() >= best.getNameCount())) {
                best = point;
                flags = 0;
                for (String option : f[5].split(",")) {
                    flags |= OPTION_FLAGS.getOrDefault(option, 0L);
                }
            }
        }
        return flags;
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
