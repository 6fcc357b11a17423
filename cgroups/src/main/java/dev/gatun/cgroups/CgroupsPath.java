package dev.gatun.cgroups;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An OCI {@code linux.cgroupsPath}, parsed: where a container's cgroup goes, relative to a
 * hierarchy's root. Three forms (OCI runtime spec, "cgroups path"):
 *
 * <ul>
 *   <li>absolute, {@code /a/b}: honoured as given (the OCI/CLI case);
 *   <li>relative, {@code a/b}: beneath the caller's own cgroup in each hierarchy;
 *   <li>absent (null or empty): the default, {@code <own cgroup>/gatun-<container id>}, so a JVM in
 *       a systemd service, a CI job or a pod keeps its sandboxes inside its own limits;
 * </ul>
 * and the systemd form {@code slice:prefix:name}, which is parsed (see {@link #systemd()}) but
 * cannot be {@linkplain #resolve resolved}: that needs the systemd driver (D-Bus), which Gatun does
 * not have yet.
 *
 * <p>{@code ..} and empty segments are refused. Immutable and thread-safe.
 *
 * @param value the text as given, null when absent
 * @param systemd the systemd triple when the value has that form, else null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#cgroups-path">OCI: cgroups path</a>
 */
public record CgroupsPath(String value, Systemd systemd) {

    /** The systemd form {@code slice:prefix:name}, e.g. {@code system.slice:gatun:abc}. */
    public record Systemd(String slice, String prefix, String name) {
        /** The unit systemd would create: {@code prefix-name.scope}. */
        public String unit() {
            return (prefix.isEmpty() ? "" : prefix + "-") + name + ".scope";
        }
    }

    /**
     * Parses {@code value} (null or empty: the default).
     *
     * @throws InvalidResourceException naming {@code cgroupsPath} for ".." or empty segments
     */
    public static CgroupsPath parse(String value) {
        if (value == null || value.isEmpty()) {
            return new CgroupsPath(null, null);
        }
        String[] colon = value.split(":", -1);
        if (colon.length == 3 && !value.startsWith("/")) {
            return new CgroupsPath(value, new Systemd(colon[0], colon[1], colon[2]));
        }
        for (String segment : value.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new InvalidResourceException("cgroupsPath", value, "a path without . or .. segments");
            }
        }
        String trimmed = value.startsWith("/") ? value.substring(1) : value;
        if (!trimmed.isEmpty() && (trimmed.endsWith("/") || trimmed.contains("//"))) {
            throw new InvalidResourceException("cgroupsPath", value, "a path without empty segments");
        }
        if (value.equals("/")) {
            throw new InvalidResourceException("cgroupsPath", value, "a cgroup below the hierarchy's root");
        }
        return new CgroupsPath(value, null);
    }

    /**
     * The cgroup path (starting with "/") in a hierarchy where the caller sits at
     * {@code ownCgroup}.
     *
     * @param ownCgroup the caller's cgroup in that hierarchy, from {@code /proc/self/cgroup}
     * @param containerId names the default cgroup
     * @throws UnsupportedOperationException for the systemd form: that needs the systemd driver
     */
    public String resolve(String ownCgroup, String containerId) {
        Objects.requireNonNull(ownCgroup, "ownCgroup");
        if (systemd != null) {
            throw new UnsupportedOperationException("cgroupsPath \"" + value + "\" is in the systemd form "
                    + "slice:prefix:name, which needs the systemd cgroup driver (D-Bus); Gatun only has the "
                    + "cgroupfs driver: give a path such as /gatun/" + systemd.name() + " instead");
        }
        if (value == null) {
            if (containerId == null || containerId.isEmpty() || containerId.contains("/")) {
                throw new InvalidResourceException("containerId", String.valueOf(containerId),
                        "a non-empty id without '/' for the default cgroup");
            }
            return join(ownCgroup, "gatun-" + containerId);
        }
        return value.startsWith("/") ? value : join(ownCgroup, value);
    }

    /** Whether this is the systemd form. */
    public boolean isSystemd() {
        return systemd != null;
    }

    static String join(String parent, String child) {
        return parent.endsWith("/") ? parent + child : parent + "/" + child;
    }

    /** The path's segments, root first: "/a/b" → [a, b]. */
    static List<String> segments(String path) {
        List<String> result = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                result.add(s);
            }
        }
        return result;
    }
}
