package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How this host's cgroup hierarchies are mounted and where the calling process sits in each:
 * read from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. Print it to see it.
 *
 * <ul>
 *   <li>{@link Mode#UNIFIED}: one cgroup2 hierarchy with the controllers (pure v2).
 *   <li>{@link Mode#HYBRID}: controllers on v1 hierarchies, plus a cgroup2 mount (usually
 *       {@code /sys/fs/cgroup/unified}) that tracks processes but carries no useful controller.
 *   <li>{@link Mode#LEGACY}: v1 hierarchies only.
 * </ul>
 *
 * <p>Only hierarchies mounted at their root ({@code /} in mountinfo's root field) are used: a
 * bind-mounted sub-tree (as inside a container without a cgroup namespace) would misplace paths.
 * Immutable and thread-safe.
 *
 * @param mode the layout
 * @param unifiedMount where cgroup2 is mounted, if it is
 * @param unifiedPath this process's cgroup in the v2 hierarchy ({@code 0::/path}), e.g. "/"
 * @param v1Mounts controller name (e.g. "memory", "name=systemd") → mount point
 * @param v1Paths controller name → this process's cgroup in that hierarchy
 * @see <a href="https://man7.org/linux/man-pages/man7/cgroups.7.html">cgroups(7)</a>
 */
public record CgroupLayout(Mode mode, Optional<Path> unifiedMount, String unifiedPath,
        Map<String, Path> v1Mounts, Map<String, String> v1Paths) {

    /** The three ways a host can mount cgroups. */
    public enum Mode {
        /** Pure cgroup v2. */
        UNIFIED,
        /** v1 controllers plus a cgroup2 mount without them. */
        HYBRID,
        /** cgroup v1 only. */
        LEGACY
    }

    public CgroupLayout {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(unifiedMount, "unifiedMount");
        // sorted, so that printing and the order hierarchies are visited in are stable
        v1Mounts = Collections.unmodifiableSortedMap(new TreeMap<>(v1Mounts));
        v1Paths = Collections.unmodifiableSortedMap(new TreeMap<>(v1Paths));
    }

    /**
     * This layout with {@code path} in place of the caller's own cgroup in the unified hierarchy:
     * relative cgroup paths then resolve below {@code path} there (the v1 hierarchies are
     * unchanged). Core puts a JVM's containers below one cgroup2 directory this way, which its
     * sentinel kills at once ({@code cgroup.kill}) when the JVM dies.
     */
    public CgroupLayout withUnifiedPath(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("unifiedPath must be absolute: " + path);
        }
        return new CgroupLayout(mode, unifiedMount, path, v1Mounts, v1Paths);
    }

    /** Reads this process's layout. */
    public static CgroupLayout detect() throws IOException {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        String cgroup = Files.readString(Path.of("/proc/self/cgroup"));
        Detected last = lastDetected;
        if (last != null && last.mountinfo().equals(mountinfo) && last.cgroup().equals(cgroup)) {
            return last.layout(); // the same files say the same: a container start need not parse them again
        }
        CgroupLayout layout = parse(mountinfo, cgroup);
        lastDetected = new Detected(mountinfo, cgroup, layout);
        return layout;
    }

    /** The files {@link #detect()} read last and what they said; replaced whole, so safe to share. */
    private record Detected(String mountinfo, String cgroup, CgroupLayout layout) {}

    private static volatile Detected lastDetected;

    /**
     * A pure-v2 layout at {@code mount}, with the caller in {@code ownPath}: for a cgroup2 mount
     * the host does not list as its main one (a hybrid host's {@code /sys/fs/cgroup/unified}).
     */
    public static CgroupLayout unified(Path mount, String ownPath) {
        return new CgroupLayout(Mode.UNIFIED, Optional.of(mount), ownPath, Map.of(), Map.of());
    }

    /**
     * Parses the two files' contents. Lines that do not parse are ignored, as the kernel may add
     * fields; a missing cgroup2 line in {@code cgroup} means the process has no v2 membership.
     *
     * @throws IllegalStateException when no cgroup hierarchy is mounted at all
     */
    public static CgroupLayout parse(String mountinfo, String procSelfCgroup) {
        Path unified = null;
        Map<String, Path> v1Mounts = new TreeMap<>();
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 3 || !before[3].equals("/")) {
                continue;
            }
            Path mountPoint = Path.of(unescape(before[4]));
            if (after[0].equals("cgroup2") && unified == null) {
                unified = mountPoint;
            } else if (after[0].equals("cgroup")) {
                for (String option : after[2].split(",")) {
                    if (isController(option)) {
                        v1Mounts.putIfAbsent(option, mountPoint);
                    }
                }
            }
        }
        String unifiedPath = "/";
        Map<String, String> v1Paths = new TreeMap<>();
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                unifiedPath = f[2];
            } else {
                for (String controller : f[1].split(",")) {
                    v1Paths.put(controller, f[2]);
                }
            }
        }
        Map<String, Path> usable = new LinkedHashMap<>();
        v1Mounts.forEach((c, p) -> {
            if (v1Paths.containsKey(c)) {
                usable.put(c, p);
            }
        });
        v1Paths.keySet().retainAll(usable.keySet());
        boolean controllersOnV1 = usable.keySet().stream().anyMatch(c -> !c.startsWith("name="));
        Mode mode;
        if (!controllersOnV1) {
            if (unified == null) {
                throw new IllegalStateException("no cgroup hierarchy is mounted (no cgroup or cgroup2 line "
                        + "in /proc/self/mountinfo with root /)");
            }
            mode = Mode.UNIFIED;
        } else {
            mode = unified == null ? Mode.LEGACY : Mode.HYBRID;
        }
        return new CgroupLayout(mode, Optional.ofNullable(unified), unifiedPath, usable, v1Paths);
    }

    /** The version whose driver manages resources here: V2 on unified hosts, V1 otherwise. */
    public CgroupVersion version() {
        return mode == Mode.UNIFIED ? CgroupVersion.V2 : CgroupVersion.V1;
    }

    /**
     * This process's own cgroup in the hierarchy that holds {@code controller} (v1), or in the
     * unified hierarchy on a unified host: the default parent of new cgroups.
     */
    public String ownPath(String controller) {
        return mode == Mode.UNIFIED ? unifiedPath : v1Paths.getOrDefault(controller, "/");
    }

    /** One line per hierarchy: mode, mount, and where this process sits. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("cgroup layout: ").append(mode.name().toLowerCase());
        unifiedMount.ifPresent(m -> sb.append("\n  cgroup2 ").append(m).append("  (self: ").append(unifiedPath)
                .append(')'));
        v1Mounts.forEach((c, m) -> sb.append("\n  ").append(c).append(' ').append(m).append("  (self: ")
                .append(v1Paths.get(c)).append(')'));
        return sb.toString();
    }

    private static boolean isController(String option) {
        return switch (option) {
            case "rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "clone_children",
                    "xattr", "noprefix", "cpuset_v2_mode", "favordynmods" -> false;
            default -> !option.startsWith("release_agent=");
        };
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        if (!field.contains("\\")) {
            return field;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
