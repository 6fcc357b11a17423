package dev.gatun.core.plan;

import dev.gatun.cgroups.Resources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between the OCI {@code linux.resources} model ({@link dev.gatun.oci.Resources}) and
 * the cgroups module's {@link Resources}. The two carry the same values in the same (OCI, cgroup
 * v1-shaped) units, so this is a field-for-field copy: the conversions to v2 files (shares →
 * weight, memory+swap → swap alone …) happen in the cgroups module, once.
 *
 * <p>What OCI cannot say (the v2-only {@code memory.high}, {@code memory.low}, {@code memory.min},
 * {@code memory.oom.group}) travels in OCI's {@code unified} map, which is how the spec carries
 * v2 files; the cgroups module writes {@code unified} entries as they are.
 */
public final class ResourceMapping {

    private ResourceMapping() {}

    /** The cgroups module's resources for an OCI {@code linux.resources}; {@code null} means none. */
    public static Resources toCgroups(dev.gatun.oci.Resources oci) {
        if (oci == null) {
            return Resources.NONE;
        }
        Resources.Memory memory = oci.memory() == null ? null : new Resources.Memory(
                oci.memory().limit(), oci.memory().reservation(), oci.memory().swap(), oci.memory().kernel(),
                oci.memory().kernelTCP(), oci.memory().swappiness(), oci.memory().disableOOMKiller(),
                oci.memory().useHierarchy(), oci.memory().checkBeforeUpdate(), null, null, null, null);
        Resources.Cpu cpu = oci.cpu() == null ? null : new Resources.Cpu(
                oci.cpu().shares(), oci.cpu().quota(), oci.cpu().period(), oci.cpu().burst(),
                oci.cpu().realtimeRuntime(), oci.cpu().realtimePeriod(), oci.cpu().cpus(), oci.cpu().mems(),
                oci.cpu().idle());
        Resources.Pids pids = oci.pids() == null ? null : new Resources.Pids(oci.pids().limit());
        Resources.BlockIo blockIo = null;
        if (oci.blockIO() != null) {
            var b = oci.blockIO();
            blockIo = new Resources.BlockIo(b.weight(), b.leafWeight(),
                    Absent.list(b.weightDevice()).stream().map(d -> new Resources.WeightDevice(d.major(), d.minor(), d.weight(),
                            d.leafWeight())).toList(),
                    throttle(b.throttleReadBpsDevice()), throttle(b.throttleWriteBpsDevice()),
                    throttle(b.throttleReadIOPSDevice()), throttle(b.throttleWriteIOPSDevice()));
        }
        // plain loops on this path, no lambdas: every container's planning runs it, a fresh JVM's first too
        List<Resources.HugepageLimit> huge = new ArrayList<>();
        for (var h : Absent.list(oci.hugepageLimits())) {
            huge.add(new Resources.HugepageLimit(h.pageSize(), h.limit()));
        }
        Map<String, Resources.Rdma> rdma = new LinkedHashMap<>();
        for (var e : Absent.map(oci.rdma()).entrySet()) {
            rdma.put(e.getKey(), new Resources.Rdma(toInt(e.getValue().hcaHandles()), toInt(e.getValue().hcaObjects())));
        }
        Resources.Network network = oci.network() == null ? null : new Resources.Network(oci.network().classID(),
                Absent.list(oci.network().priorities()).stream()
                        .map(p -> new Resources.InterfacePriority(p.name(), Math.toIntExact(p.priority()))).toList());
        List<Resources.DeviceRule> devices = new ArrayList<>();
        for (var d : Absent.list(oci.devices())) {
            devices.add(new Resources.DeviceRule(Boolean.TRUE.equals(d.allow()), d.type(), d.major(), d.minor(), d.access()));
        }
        return new Resources(memory, cpu, pids, blockIo, huge, rdma, network, devices, Absent.map(oci.unified()));
    }

    /**
     * The device rules a container's own {@code /dev} needs, appended after the spec's rules as
     * runc and crun do: without them a spec that starts with "deny all" ({@code runc spec}'s
     * does) makes the init's {@code mknod("/dev/null")} fail with EPERM. Allowed: {@code mknod} of
     * any device (access is what the rules guard), the standard devices (null, zero, full,
     * random, urandom, tty), {@code /dev/pts/*} and {@code /dev/ptmx}, and each
     * {@code linux.devices} entry. When the spec has no rules nothing is added: then nothing is
     * restricted, and a host without the devices controller is not asked for one.
     *
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#default-devices">config-linux.md, default devices</a>
     */
    public static Resources withContainerDevices(Resources resources, List<dev.gatun.oci.Linux.Device> devices) {
        if (resources.devices().isEmpty()) {
            return resources;
        }
        List<Resources.DeviceRule> rules = new ArrayList<>(resources.devices());
        rules.add(new Resources.DeviceRule(true, "c", null, null, "m"));
        rules.add(new Resources.DeviceRule(true, "b", null, null, "m"));
        for (long[] d : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}}) {
            rules.add(new Resources.DeviceRule(true, "c", d[0], d[1], "rwm"));
        }
        rules.add(new Resources.DeviceRule(true, "c", 136L, null, "rwm"));
        for (dev.gatun.oci.Linux.Device d : Absent.list(devices)) {
            if (d.major() != null && d.minor() != null && d.type() != null && !d.type().equals("p")) {
                rules.add(new Resources.DeviceRule(true, d.type().equals("u") ? "c" : d.type(), d.major(), d.minor(), "rwm"));
            }
        }
        return new Resources(resources.memory(), resources.cpu(), resources.pids(), resources.blockIo(),
                resources.hugepageLimits(), resources.rdma(), resources.network(), rules, resources.unified());
    }

    /** The OCI {@code linux.resources} for the cgroups module's resources; {@code null} when nothing is set. */
    public static dev.gatun.oci.Resources toOci(Resources r) {
        if (r == null || r.equals(Resources.NONE)) {
            return null;
        }
        var b = dev.gatun.oci.Resources.builder();
        Resources.Memory m = r.memory();
        if (!m.equals(Resources.Memory.NONE)) {
            b.memory(new dev.gatun.oci.Resources.Memory(m.limit(), m.reservation(), m.swap(), m.kernel(),
                    m.kernelTcp(), m.swappiness(), m.disableOomKiller(), m.useHierarchy(), m.checkBeforeUpdate(),
                    Map.of()));
        }
        Map<String, String> unified = new LinkedHashMap<>(r.unified());
        putIfSet(unified, "memory.high", m.high());
        putIfSet(unified, "memory.low", m.low());
        putIfSet(unified, "memory.min", m.min());
        if (m.oomGroup() != null) {
            unified.put("memory.oom.group", m.oomGroup() ? "1" : "0");
        }
        Resources.Cpu c = r.cpu();
        if (!c.equals(Resources.Cpu.NONE)) {
            b.cpu(new dev.gatun.oci.Resources.Cpu(c.shares(), c.quota(), c.burst(), c.period(), c.realtimeRuntime(),
                    c.realtimePeriod(), c.cpus(), c.mems(), c.idle(), Map.of()));
        }
        if (r.pids().limit() != null) {
            b.pids(new dev.gatun.oci.Resources.Pids(r.pids().limit()));
        }
        Resources.BlockIo io = r.blockIo();
        if (!io.equals(Resources.BlockIo.NONE)) {
            b.blockIO(new dev.gatun.oci.Resources.BlockIo(io.weight(), io.leafWeight(),
                    io.weightDevices().stream().map(d -> new dev.gatun.oci.Resources.WeightDevice(d.major(), d.minor(),
                            d.weight(), d.leafWeight())).toList(),
                    ociThrottle(io.throttleReadBps()), ociThrottle(io.throttleWriteBps()),
                    ociThrottle(io.throttleReadIops()), ociThrottle(io.throttleWriteIops())));
        }
        if (!r.hugepageLimits().isEmpty()) {
            b.hugepageLimits(r.hugepageLimits().stream()
                    .map(h -> new dev.gatun.oci.Resources.HugepageLimit(h.pageSize(), h.limit())).toList());
        }
        if (!r.rdma().isEmpty()) {
            Map<String, dev.gatun.oci.Resources.Rdma> rdma = new LinkedHashMap<>();
            r.rdma().forEach((device, x) -> rdma.put(device, new dev.gatun.oci.Resources.Rdma(
                    x.hcaHandles() == null ? null : x.hcaHandles().longValue(),
                    x.hcaObjects() == null ? null : x.hcaObjects().longValue())));
            b.rdma(rdma);
        }
        if (!r.network().equals(Resources.Network.NONE)) {
            b.network(new dev.gatun.oci.Resources.Network(r.network().classId(), r.network().priorities().stream()
                    .map(p -> new dev.gatun.oci.Resources.InterfacePriority(p.name(), (long) p.priority())).toList()));
        }
        if (!r.devices().isEmpty()) {
            List<dev.gatun.oci.Resources.DeviceRule> devices = new ArrayList<>();
            for (Resources.DeviceRule d : r.devices()) {
                devices.add(new dev.gatun.oci.Resources.DeviceRule(d.allow(), d.type(), d.major(), d.minor(), d.access()));
            }
            b.devices(devices);
        }
        if (!unified.isEmpty()) {
            b.unified(unified);
        }
        return b.build();
    }

    private static List<Resources.ThrottleDevice> throttle(List<dev.gatun.oci.Resources.ThrottleDevice> list) {
        return Absent.list(list).stream().map(t -> new Resources.ThrottleDevice(t.major(), t.minor(), t.rate())).toList();
    }

    private static List<dev.gatun.oci.Resources.ThrottleDevice> ociThrottle(List<Resources.ThrottleDevice> list) {
        return list.isEmpty() ? null : list.stream()
                .map(t -> new dev.gatun.oci.Resources.ThrottleDevice(t.major(), t.minor(), t.rate())).toList();
    }

    private static Integer toInt(Long value) {
        return value == null ? null : Math.toIntExact(value);
    }

    private static void putIfSet(Map<String, String> unified, String file, Long value) {
        if (value != null) {
            unified.put(file, value == -1 ? "max" : Long.toString(value));
        }
    }
}
