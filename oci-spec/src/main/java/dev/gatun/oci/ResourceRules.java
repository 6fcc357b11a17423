package dev.gatun.oci;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The rules of config-linux.md's control-group resources ({@code linux.resources}). */
final class ResourceRules {

    private static final Pattern PAGE_SIZE = Pattern.compile("^[1-9][0-9]*[KMG]B$");

    private ResourceRules() {}

    static void check(Problems p, String at, Resources r) {
        deviceRules(p, at + ".devices", r.devices());
        memory(p, at + ".memory", r.memory());
        cpu(p, at + ".cpu", r.cpu());
        if (r.pids() != null) {
            p.required(at + ".pids.limit", r.pids().limit());
        }
        blockIo(p, at + ".blockIO", r.blockIO());
        hugepages(p, at + ".hugepageLimits", r.hugepageLimits());
        network(p, at + ".network", r.network());
        if (r.rdma() != null) {
            r.rdma().forEach((device, limits) -> {
                String here = Paths.key(at + ".rdma", device);
                p.uint32(here + ".hcaHandles", limits.hcaHandles());
                p.uint32(here + ".hcaObjects", limits.hcaObjects());
            });
        }
        unified(p, at + ".unified", r.unified());
    }

    private static void deviceRules(Problems p, String at, List<Resources.DeviceRule> rules) {
        if (rules == null) {
            return;
        }
        for (int i = 0; i < rules.size(); i++) {
            String here = Paths.index(at, i);
            Resources.DeviceRule rule = rules.get(i);
            p.required(here + ".allow", rule.allow());
            if (rule.type() != null && !List.of("a", "b", "c").contains(rule.type())) {
                p.add(here + ".type", "\"" + rule.type() + "\" is not a device rule type: a (all), b (block) or c (char)");
            }
            String access = rule.access();
            if (access != null && (access.isEmpty() || !access.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm'))) {
                p.add(here + ".access", "\"" + access + "\" is not a device access: some of r, w and m, like \"rwm\"");
            }
            LinuxRules.deviceNumbers(p, here, rule.major(), rule.minor());
        }
    }

    private static void memory(Problems p, String at, Resources.Memory m) {
        if (m == null) {
            return;
        }
        unlimitedOrPositive(p, at + ".limit", m.limit());
        unlimitedOrPositive(p, at + ".reservation", m.reservation());
        unlimitedOrPositive(p, at + ".swap", m.swap());
        unlimitedOrPositive(p, at + ".kernel", m.kernel());
        unlimitedOrPositive(p, at + ".kernelTCP", m.kernelTCP());
        if (m.limit() != null && m.swap() != null && m.limit() > 0 && m.swap() > 0 && m.swap() < m.limit()) {
            p.add(at + ".swap", "swap " + m.swap() + " is below limit " + m.limit()
                    + ": it is the limit of memory plus swap, so it must be at least the memory limit (or -1)");
        }
        if (m.swappiness() != null && Long.compareUnsigned(m.swappiness(), 100) > 0) {
            p.add(at + ".swappiness", Long.toUnsignedString(m.swappiness()) + " is out of range: must be 0 to 100");
        }
    }

    private static void unlimitedOrPositive(Problems p, String at, Long value) {
        if (value != null && value < -1) {
            p.add(at, value + " is not a limit: use a number of bytes, or -1 for unlimited");
        }
    }

    private static void cpu(Problems p, String at, Resources.Cpu c) {
        if (c == null) {
            return;
        }
        if (c.quota() != null && c.quota() != -1 && c.quota() != 0 && c.quota() < 1000) {
            p.add(at + ".quota", c.quota() + " is out of range: the kernel takes at least 1000 microseconds (or -1 for unlimited)");
        }
        if (c.burst() != null && c.quota() != null && c.quota() > 0 && Long.compareUnsigned(c.burst(), c.quota()) > 0) {
            p.add(at + ".burst", Long.toUnsignedString(c.burst()) + " is above the quota " + c.quota() + "; config-linux.md requires burst <= quota");
        }
        if (c.period() != null && c.period() != 0 && (c.period() < 1000 || c.period() > 1_000_000)) {
            p.add(at + ".period", Long.toUnsignedString(c.period()) + " is out of range: must be 1000 to 1000000 microseconds");
        }
        if (c.shares() != null && c.shares() != 0 && (c.shares() < 2 || c.shares() > 262_144)) {
            p.add(at + ".shares", Long.toUnsignedString(c.shares()) + " is out of range: must be 2 to 262144");
        }
        if (c.realtimeRuntime() != null && c.realtimeRuntime() < -1) {
            p.add(at + ".realtimeRuntime", c.realtimeRuntime() + " is not a runtime: use microseconds, or -1 for unlimited");
        }
        if (c.idle() != null && c.idle() != 0 && c.idle() != 1) {
            p.add(at + ".idle", c.idle() + " is not 0 or 1");
        }
        p.cpuList(at + ".cpus", c.cpus());
        p.cpuList(at + ".mems", c.mems());
    }

    private static void blockIo(Problems p, String at, Resources.BlockIo b) {
        if (b == null) {
            return;
        }
        weight(p, at + ".weight", b.weight());
        weight(p, at + ".leafWeight", b.leafWeight());
        if (b.weightDevice() != null) {
            for (int i = 0; i < b.weightDevice().size(); i++) {
                String here = Paths.index(at + ".weightDevice", i);
                Resources.WeightDevice d = b.weightDevice().get(i);
                device(p, here, d.major(), d.minor());
                weight(p, here + ".weight", d.weight());
                weight(p, here + ".leafWeight", d.leafWeight());
            }
        }
        throttles(p, at + ".throttleReadBpsDevice", b.throttleReadBpsDevice());
        throttles(p, at + ".throttleWriteBpsDevice", b.throttleWriteBpsDevice());
        throttles(p, at + ".throttleReadIOPSDevice", b.throttleReadIOPSDevice());
        throttles(p, at + ".throttleWriteIOPSDevice", b.throttleWriteIOPSDevice());
    }

    private static void weight(Problems p, String at, Integer weight) {
        // 0 is Go's zero value, which runc and crun read as "not set"
        if (weight != null && weight != 0 && (weight < 10 || weight > 1000)) {
            p.add(at, weight + " is out of range: a block I/O weight is 10 to 1000");
        }
    }

    private static void throttles(Problems p, String at, List<Resources.ThrottleDevice> devices) {
        if (devices != null) {
            for (int i = 0; i < devices.size(); i++) {
                Resources.ThrottleDevice d = devices.get(i);
                device(p, Paths.index(at, i), d.major(), d.minor());
                p.required(Paths.index(at, i) + ".rate", d.rate());
            }
        }
    }

    private static void device(Problems p, String at, Long major, Long minor) {
        p.required(at + ".major", major);
        p.required(at + ".minor", minor);
        LinuxRules.deviceNumbers(p, at, major, minor);
    }

    private static void hugepages(Problems p, String at, List<Resources.HugepageLimit> limits) {
        if (limits == null) {
            return;
        }
        for (int i = 0; i < limits.size(); i++) {
            String here = Paths.index(at, i);
            Resources.HugepageLimit h = limits.get(i);
            if (p.required(here + ".pageSize", h.pageSize()) && !PAGE_SIZE.matcher(h.pageSize()).matches()) {
                p.add(here + ".pageSize", "\"" + h.pageSize() + "\" is not a page size like \"2MB\" or \"1GB\" (KB, MB or GB, upper case)");
            }
            p.required(here + ".limit", h.limit());
        }
    }

    private static void network(Problems p, String at, Resources.Network n) {
        if (n == null) {
            return;
        }
        p.uint32(at + ".classID", n.classID());
        if (n.priorities() != null) {
            for (int i = 0; i < n.priorities().size(); i++) {
                String here = Paths.index(at + ".priorities", i);
                Resources.InterfacePriority prio = n.priorities().get(i);
                p.required(here + ".name", prio.name());
                if (p.required(here + ".priority", prio.priority())) {
                    p.uint32(here + ".priority", prio.priority());
                }
            }
        }
    }

    private static final java.util.List<String> UNIFIED_CGROUP_LIMITS = java.util.List.of("cgroup.max.depth",
            "cgroup.max.descendants");

    private static void unified(Problems p, String at, Map<String, String> unified) {
        if (unified == null) {
            return;
        }
        for (String file : unified.keySet()) {
            if (file.isEmpty() || file.contains("/") || file.equals(".") || file.equals("..")) {
                p.add(Paths.key(at, file), "\"" + file + "\" is not a cgroup file name like \"memory.high\"");
            } else if (file.startsWith("cgroup.") && !UNIFIED_CGROUP_LIMITS.contains(file)) {
                // cgroup.procs or cgroup.threads would move host processes into the container's
                // cgroup (and its cleanup kills what is there); cgroup.kill, .freeze, .type and
                // .subtree_control are the runtime's own levers
                p.add(Paths.key(at, file), "\"" + file + "\" is a cgroup interface file, not a limit; of cgroup.* "
                        + "only " + String.join(" and ", UNIFIED_CGROUP_LIMITS) + " may be set");
            }
        }
    }
}
