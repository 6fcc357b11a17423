package dev.gatun.namespaces;

import java.util.List;
import java.util.OptionalLong;

/**
 * The uid and gid mappings of a new user namespace and its setgroups policy.
 *
 * <p>Validated on construction, as the kernel would: at least one line each, at most
 * {@value #MAX_LINES} lines, and no two lines of a map may overlap on either side (inside or
 * outside). Whether the <em>caller may</em> write these maps is a separate question, answered by
 * {@link IdMapper#plan(IdMappings)}. Immutable; the lists are copied.
 *
 * <p>Typical values: {@link #rootless(long, long)} (the caller's ids become root, nothing else is
 * mapped) and {@link #rootlessWithSubordinates} (root plus a 65536-id range from
 * {@code /etc/subuid}).
 *
 * @param uids uid_map lines, in order
 * @param gids gid_map lines, in order
 * @param setgroups what to write to {@code /proc/<pid>/setgroups} before the gid_map
 * @see <a href="https://man7.org/linux/man-pages/man7/user_namespaces.7.html">user_namespaces(7)</a>
 */
public record IdMappings(List<IdMapping> uids, List<IdMapping> gids, SetGroups setgroups) {

    /** The kernel's limit on lines per map (since Linux 4.15; 5 before). */
    public static final int MAX_LINES = 340;

    public IdMappings {
        uids = List.copyOf(uids);
        gids = List.copyOf(gids);
        if (setgroups == null) {
            throw new NamespaceConfigException("setgroups", "null", "must be ALLOW or DENY");
        }
        check("uidMappings", uids);
        check("gidMappings", gids);
    }

    /**
     * The rootless default: the caller's uid and gid become 0 inside, nothing else is mapped, and
     * setgroups is denied — exactly what an unprivileged process may write itself.
     */
    public static IdMappings rootless(long uid, long gid) {
        return new IdMappings(List.of(IdMapping.rootAs(uid)), List.of(IdMapping.rootAs(gid)), SetGroups.DENY);
    }

    /**
     * Root is the caller, and container ids 1..count are the first subordinate range of the
     * caller in each file (as podman's default rootless mapping): {@code 0 uid 1},
     * {@code 1 <subuid start> <count>}. Setgroups is allowed, since {@code newgidmap} permits it
     * for subordinate ranges.
     *
     * @throws NamespaceConfigException if the caller has no subordinate range in either file
     */
    public static IdMappings rootlessWithSubordinates(Caller caller, SubordinateIds subuids, SubordinateIds subgids) {
        SubordinateIds.Range u = subuids.firstRangeOf(caller.name(), caller.uid())
                .orElseThrow(() -> noRange(subuids, caller, "usermod --add-subuids 100000-165535 " + caller.name()));
        SubordinateIds.Range g = subgids.firstRangeOf(caller.name(), caller.uid())
                .orElseThrow(() -> noRange(subgids, caller, "usermod --add-subgids 100000-165535 " + caller.name()));
        return new IdMappings(
                List.of(IdMapping.rootAs(caller.uid()), new IdMapping(1, u.start(), u.count())),
                List.of(IdMapping.rootAs(caller.gid()), new IdMapping(1, g.start(), g.count())),
                SetGroups.ALLOW);
    }

    private static NamespaceConfigException noRange(SubordinateIds file, Caller caller, String fix) {
        return new NamespaceConfigException(file.source(), caller.name() + " (uid " + caller.uid() + ")",
                "no subordinate range for this user; add one, e.g. `" + fix + "`");
    }

    /** A copy with another setgroups policy. */
    public IdMappings setgroups(SetGroups policy) {
        return new IdMappings(uids, gids, policy);
    }

    /** The text of {@code uid_map}: one line per mapping, each ending in a newline. */
    public String uidMapText() {
        return text(uids);
    }

    /** The text of {@code gid_map}: one line per mapping, each ending in a newline. */
    public String gidMapText() {
        return text(gids);
    }

    /** The host uid that container uid 0 stands for, if 0 is mapped. */
    public OptionalLong hostRootUid() {
        for (IdMapping m : uids) {
            if (m.containerId() == 0) {
                return OptionalLong.of(m.hostId());
            }
        }
        return OptionalLong.empty();
    }

    private static String text(List<IdMapping> lines) {
        StringBuilder sb = new StringBuilder();
        for (IdMapping m : lines) {
            sb.append(m.toLine()).append('\n');
        }
        return sb.toString();
    }

    private static void check(String setting, List<IdMapping> lines) {
        if (lines.isEmpty()) {
            throw new NamespaceConfigException(setting, "[]",
                    "a new user namespace needs at least one mapping (IdMappings.rootless(uid, gid) maps the caller to root)");
        }
        if (lines.size() > MAX_LINES) {
            throw new NamespaceConfigException(setting, lines.size() + " lines",
                    "the kernel accepts at most " + MAX_LINES + " lines per map");
        }
        for (int i = 0; i < lines.size(); i++) {
            for (int j = 0; j < i; j++) {
                IdMapping a = lines.get(j);
                IdMapping b = lines.get(i);
                if (a.containerRangeOverlaps(b)) {
                    throw new NamespaceConfigException(setting + "[" + i + "]", b.toLine(),
                            "container ids " + b + " overlap " + setting + "[" + j + "] (" + a + ")");
                }
                if (a.hostRangeOverlaps(b)) {
                    throw new NamespaceConfigException(setting + "[" + i + "]", b.toLine(),
                            "host ids " + b + " overlap " + setting + "[" + j + "] (" + a + ")");
                }
            }
        }
    }
}
