package dev.gatun.oci;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rules of config-linux.md, except resources ({@link ResourceRules}) and seccomp ({@link SeccompRules}). */
final class LinuxRules {

    static final Set<String> NAMESPACE_TYPES = Set.of("mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time");
    static final Set<String> PROPAGATIONS = Set.of("private", "shared", "slave", "unbindable");
    static final Set<String> DEVICE_TYPES = Set.of("c", "b", "u", "p");
    static final Set<String> CLOCKS = Set.of("boottime", "monotonic");
    static final Set<String> MPOL_MODES = Set.of("MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
            "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL");
    static final Set<String> MPOL_FLAGS = Set.of("MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES");
    static final Set<String> PERSONALITY_DOMAINS = Set.of("LINUX", "LINUX32");

    /** The kernel's limit on the lines of a uid_map or gid_map (since Linux 4.15). */
    static final int MAX_MAPPING_RANGES = 340;

    private LinuxRules() {}

    /** sethostname(2) and setdomainname(2) take at most 64 bytes (__NEW_UTS_LEN): refused here, not by the kernel. */
    private static void utsName(Problems p, String at, String name) {
        p.noNul(at, name);
        if (name != null && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
            p.add(at, "is " + name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    + " bytes long: the kernel takes at most 64");
        }
    }

    static void check(Problems p, Spec spec) {
        Linux linux = spec.linux();
        Map<String, Linux.Namespace> namespaces = namespaces(p, linux.namespaces());
        userNamespace(p, linux, namespaces);
        timeNamespace(p, linux, namespaces);
        if ((spec.hostname() != null || spec.domainname() != null) && !namespaces.containsKey("uts")) {
            p.add(spec.hostname() != null ? "$.hostname" : "$.domainname",
                    "setting it needs a UTS namespace: add {\"type\": \"uts\"} to linux.namespaces");
        }
        utsName(p, "$.hostname", spec.hostname());
        utsName(p, "$.domainname", spec.domainname());
        devices(p, linux.devices());
        netDevices(p, linux.netDevices(), namespaces);
        cgroupsPath(p, linux.cgroupsPath());
        if (linux.resources() != null) {
            ResourceRules.check(p, "$.linux.resources", linux.resources());
        }
        if (linux.seccomp() != null) {
            SeccompRules.check(p, "$.linux.seccomp", linux.seccomp());
        }
        p.oneOf("$.linux.rootfsPropagation", linux.rootfsPropagation(), PROPAGATIONS);
        absolutePaths(p, "$.linux.maskedPaths", linux.maskedPaths());
        absolutePaths(p, "$.linux.readonlyPaths", linux.readonlyPaths());
        sysctl(p, linux.sysctl());
        intelRdt(p, linux.intelRdt());
        memoryPolicy(p, linux.memoryPolicy());
        if (linux.personality() != null) {
            p.oneOf("$.linux.personality.domain", linux.personality().domain(), PERSONALITY_DOMAINS);
        }
    }

    /** Checks the namespace list; returns the valid entries by type (the first of each). */
    private static Map<String, Linux.Namespace> namespaces(Problems p, List<Linux.Namespace> list) {
        Map<String, Linux.Namespace> byType = new HashMap<>();
        if (list == null) {
            return byType;
        }
        for (int i = 0; i < list.size(); i++) {
            String at = Paths.index("$.linux.namespaces", i);
            Linux.Namespace ns = list.get(i);
            if (!p.required(at + ".type", ns.type())) {
                continue;
            }
            if (!NAMESPACE_TYPES.contains(ns.type())) {
                p.oneOf(at + ".type", ns.type(), NAMESPACE_TYPES);
            } else if (byType.putIfAbsent(ns.type(), ns) != null) {
                p.add(at + ".type", "a " + ns.type() + " namespace is already listed; config-linux.md allows one per type");
            }
            p.absolute(at + ".path", ns.path());
        }
        return byType;
    }

    private static void userNamespace(Problems p, Linux linux, Map<String, Linux.Namespace> namespaces) {
        boolean uid = linux.uidMappings() != null && !linux.uidMappings().isEmpty();
        boolean gid = linux.gidMappings() != null && !linux.gidMappings().isEmpty();
        mappings(p, "$.linux.uidMappings", linux.uidMappings());
        mappings(p, "$.linux.gidMappings", linux.gidMappings());
        Linux.Namespace user = namespaces.get("user");
        if (user == null) {
            if (uid || gid) {
                p.add(uid ? "$.linux.uidMappings" : "$.linux.gidMappings",
                        "ID mappings need a user namespace: add {\"type\": \"user\"} to linux.namespaces");
            }
        } else if (user.path() == null) {
            if (!uid) {
                p.add("$.linux.uidMappings", "is required: a new user namespace needs at least one uid mapping");
            }
            if (!gid) {
                p.add("$.linux.gidMappings", "is required: a new user namespace needs at least one gid mapping");
            }
        }
    }

    /** Checks one mapping list: ranges within uint32, non-empty, not overlapping, not too many. */
    static void mappings(Problems p, String at, List<IdMapping> mappings) {
        if (mappings == null) {
            return;
        }
        if (mappings.size() > MAX_MAPPING_RANGES) {
            p.add(at, mappings.size() + " ranges: the kernel accepts at most " + MAX_MAPPING_RANGES);
            return; // and the overlap check below is quadratic
        }
        List<long[]> inside = new ArrayList<>();
        List<long[]> outside = new ArrayList<>();
        for (int i = 0; i < mappings.size(); i++) {
            String here = Paths.index(at, i);
            IdMapping m = mappings.get(i);
            boolean ok = p.required(here + ".containerID", m.containerID())
                    & p.required(here + ".hostID", m.hostID())
                    & p.required(here + ".size", m.size());
            if (!ok) {
                continue;
            }
            p.uint32(here + ".containerID", m.containerID());
            p.uint32(here + ".hostID", m.hostID());
            if (m.size() < 1 || m.size() > Problems.UINT32_MAX) {
                p.add(here + ".size", m.size() + " is out of range: a mapping holds 1 to 4294967295 IDs");
                continue;
            }
            if (m.containerID() < 0 || m.hostID() < 0 || m.containerID() > Problems.UINT32_MAX || m.hostID() > Problems.UINT32_MAX) {
                continue; // reported above
            }
            // The end of a range is exclusive: 2^32 itself is allowed, one more is not.
            if (m.containerID() + m.size() > Problems.UINT32_MAX + 1) {
                p.add(here + ".size", "containerID " + m.containerID() + " + size " + m.size() + " overflows 2^32");
            } else if (m.hostID() + m.size() > Problems.UINT32_MAX + 1) {
                p.add(here + ".size", "hostID " + m.hostID() + " + size " + m.size() + " overflows 2^32");
            } else {
                overlap(p, here, "containerID", inside, m.containerID(), m.size());
                overlap(p, here, "hostID", outside, m.hostID(), m.size());
            }
        }
    }

    private static void overlap(Problems p, String here, String field, List<long[]> ranges, long start, long size) {
        for (long[] r : ranges) {
            if (start < r[0] + r[1] && r[0] < start + size) {
                p.add(here + "." + field, "range " + start + "+" + size + " overlaps range " + r[0] + "+" + r[1]
                        + " of an earlier mapping; the kernel refuses overlapping " + field + " ranges");
                return;
            }
        }
        ranges.add(new long[] {start, size});
    }

    private static void timeNamespace(Problems p, Linux linux, Map<String, Linux.Namespace> namespaces) {
        Map<String, Linux.TimeOffset> offsets = linux.timeOffsets();
        if (offsets == null || offsets.isEmpty()) {
            return;
        }
        Linux.Namespace time = namespaces.get("time");
        if (time == null || time.path() != null) {
            p.add("$.linux.timeOffsets", "time offsets need a new time namespace: add {\"type\": \"time\"} without a path to linux.namespaces");
        }
        offsets.forEach((clock, offset) -> {
            String at = Paths.key("$.linux.timeOffsets", clock);
            p.oneOf(at, clock, CLOCKS);
            if (offset.nanosecs() != null && (offset.nanosecs() < 0 || offset.nanosecs() > 999_999_999)) {
                p.add(at + ".nanosecs", offset.nanosecs() + " is out of range: must be 0 to 999999999");
            }
        });
    }

    private static void devices(Problems p, List<Linux.Device> devices) {
        if (devices == null) {
            return;
        }
        Set<String> paths = new HashSet<>();
        for (int i = 0; i < devices.size(); i++) {
            String at = Paths.index("$.linux.devices", i);
            Linux.Device d = devices.get(i);
            if (p.required(at + ".type", d.type())) {
                p.oneOf(at + ".type", d.type(), DEVICE_TYPES);
                if (!"p".equals(d.type())) {
                    p.required(at + ".major", d.major());
                    p.required(at + ".minor", d.minor());
                }
            }
            if (p.required(at + ".path", d.path())) {
                p.absolute(at + ".path", d.path());
                p.noNul(at + ".path", d.path());
                if (!paths.add(d.path())) {
                    p.add(at + ".path", d.path() + " is listed twice");
                }
            }
            deviceNumbers(p, at, d.major(), d.minor());
            p.range(at + ".fileMode", d.fileMode(), 0, 0777);
            p.uint32(at + ".uid", d.uid());
            p.uint32(at + ".gid", d.gid());
        }
    }

    /** Linux device numbers: 12-bit major, 20-bit minor (MKDEV in kdev_t.h). */
    static void deviceNumbers(Problems p, String at, Long major, Long minor) {
        p.range(at + ".major", major, 0, 0xFFF);
        p.range(at + ".minor", minor, 0, 0xFFFFF);
    }

    private static void netDevices(Problems p, Map<String, Linux.NetDevice> netDevices, Map<String, Linux.Namespace> namespaces) {
        if (netDevices == null || netDevices.isEmpty()) {
            return;
        }
        Linux.Namespace net = namespaces.get("network");
        if (net == null) {
            p.add("$.linux.netDevices", "moving network devices needs a network namespace: add {\"type\": \"network\"} to linux.namespaces");
        }
        Set<String> names = new HashSet<>();
        netDevices.forEach((hostName, device) -> {
            String at = Paths.key("$.linux.netDevices", hostName);
            interfaceName(p, at, hostName);
            String inside = device.name() == null ? hostName : device.name();
            if (device.name() != null) {
                interfaceName(p, at + ".name", device.name());
            }
            if (!names.add(inside)) {
                p.add(at, "two devices would be named " + inside + " in the container");
            }
        });
    }

    /** A network interface name: 1 to 15 bytes (IFNAMSIZ-1), no '/', ':' or white space, not "." or "..". */
    private static void interfaceName(Problems p, String at, String name) {
        boolean bad = name.isEmpty() || name.length() > 15 || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c) || c > 0x7e);
        if (bad) {
            p.add(at, "\"" + name + "\" is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)");
        }
    }

    private static void cgroupsPath(Problems p, String path) {
        if (path == null) {
            return;
        }
        String at = "$.linux.cgroupsPath";
        if (path.isEmpty()) {
            p.add(at, "must not be empty; leave it out to let the runtime choose");
            return;
        }
        if (path.indexOf(':') >= 0) {
            // the systemd driver's form, slice:prefix:name
            String[] parts = path.split(":", -1);
            if (parts.length != 3 || parts[2].isEmpty()) {
                p.add(at, "\"" + path + "\" is neither a path nor the systemd form \"slice:prefix:name\"");
            } else if (!parts[0].isEmpty() && !parts[0].endsWith(".slice")) {
                p.add(at, "the slice \"" + parts[0] + "\" of a systemd cgroupsPath must end in \".slice\"");
            } else if (path.indexOf('/') >= 0) {
                p.add(at, "a systemd cgroupsPath \"slice:prefix:name\" must not contain '/'");
            }
            return;
        }
        for (String element : path.split("/")) {
            if (element.equals("..")) {
                p.add(at, "\"" + path + "\" must not contain \"..\": a cgroup path cannot leave its hierarchy");
                return;
            }
        }
    }

    private static void absolutePaths(Problems p, String at, List<String> paths) {
        if (paths != null) {
            for (int i = 0; i < paths.size(); i++) {
                p.absolute(Paths.index(at, i), paths.get(i));
                p.noNul(Paths.index(at, i), paths.get(i));
            }
        }
    }

    private static void sysctl(Problems p, Map<String, String> sysctl) {
        if (sysctl == null) {
            return;
        }
        for (String key : sysctl.keySet()) {
            String normal = key.replace('/', '.');
            if (key.isEmpty() || normal.startsWith(".") || normal.endsWith(".") || normal.contains("..")) {
                p.add(Paths.key("$.linux.sysctl", key), "\"" + key + "\" is not a sysctl name like net.ipv4.ip_forward");
            }
            p.noNul(Paths.key("$.linux.sysctl", key), sysctl.get(key));
        }
    }

    private static void intelRdt(Problems p, Linux.IntelRdt rdt) {
        if (rdt == null) {
            return;
        }
        String clos = rdt.closID();
        if (clos != null && (clos.isEmpty() || clos.contains("/") || clos.equals(".") || clos.equals(".."))) {
            p.add("$.linux.intelRdt.closID", "\"" + clos + "\" is not a resctrl group name (no '/', not \".\" or \"..\")");
        }
        if (rdt.memBwSchema() != null && (!rdt.memBwSchema().startsWith("MB:") || rdt.memBwSchema().contains("\n"))) {
            p.add("$.linux.intelRdt.memBwSchema", "must be one line starting with \"MB:\"");
        }
        if (rdt.l3CacheSchema() != null && !rdt.l3CacheSchema().startsWith("L3")) {
            p.add("$.linux.intelRdt.l3CacheSchema", "must start with \"L3\" (L3: or L3CODE:/L3DATA:)");
        }
    }

    private static void memoryPolicy(Problems p, Linux.MemoryPolicy policy) {
        if (policy == null) {
            return;
        }
        String at = "$.linux.memoryPolicy";
        if (p.required(at + ".mode", policy.mode())) {
            p.oneOf(at + ".mode", policy.mode(), MPOL_MODES);
            boolean noNodes = policy.mode().equals("MPOL_DEFAULT") || policy.mode().equals("MPOL_LOCAL");
            boolean hasNodes = policy.nodes() != null && !policy.nodes().isEmpty();
            if (noNodes && hasNodes) {
                p.add(at + ".nodes", policy.mode() + " takes no nodes; set_mempolicy(2) would fail with EINVAL");
            } else if (!noNodes && MPOL_MODES.contains(policy.mode()) && !hasNodes && !"MPOL_PREFERRED".equals(policy.mode())) {
                p.add(at + ".nodes", "is required for " + policy.mode());
            }
        }
        p.cpuList(at + ".nodes", policy.nodes());
        p.eachOneOf(at + ".flags", policy.flags(), MPOL_FLAGS);
    }
}
