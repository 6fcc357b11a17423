package dev.gatun.oci;

import java.util.ArrayList;
import java.util.List;

/** The configurations {@code runc spec} and {@code runc spec --rootless} write. */
final class Examples {

    private Examples() {}

    static Spec example() {
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        ProcessSpec process = ProcessSpec.builder()
                .terminal(true)
                .user(new ProcessSpec.User(0L, 0L, null, null, null))
                .args(List.of("sh"))
                .env(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"))
                .cwd("/")
                .capabilities(new ProcessSpec.Capabilities(caps, caps, null, caps, null))
                .rlimits(List.of(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 1024L, 1024L)))
                .noNewPrivileges(true)
                .build();
        List<Mount> mounts = List.of(
                new Mount("/proc", "proc", "proc", null, null, null),
                new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null, null),
                new Mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), null, null),
                new Mount("/dev/shm", "shm", "tmpfs", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"), null, null),
                new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"), null, null),
                new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"), null, null),
                new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"), null, null));
        Linux linux = Linux.builder()
                .namespaces(List.of(ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount"), ns("cgroup")))
                .resources(Resources.builder()
                        .devices(List.of(new Resources.DeviceRule(false, null, null, null, "rwm")))
                        .build())
                .maskedPaths(List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                        "/proc/scsi"))
                .readonlyPaths(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"))
                .build();
        return Spec.builder()
                .ociVersion(SpecVersion.CURRENT)
                .root(new Root("rootfs", true))
                .process(process)
                .hostname("gatun")
                .mounts(mounts)
                .linux(linux)
                .build();
    }

    /** runc's specconv.ToRootless, applied to {@code spec}. */
    static Spec rootless(Spec spec, long uid, long gid) {
        if (uid < 0 || uid >= Problems.UINT32_MAX || gid < 0 || gid >= Problems.UINT32_MAX) {
            throw new IllegalArgumentException("uid " + uid + " and gid " + gid + " must be 0 to 4294967294");
        }
        Linux linux = spec.linux();
        List<Linux.Namespace> namespaces = new ArrayList<>();
        for (Linux.Namespace ns : linux.namespaces()) {
            // an unprivileged user cannot configure a new network namespace's interfaces
            if (!ns.type().equals("network") && !ns.type().equals("user")) {
                namespaces.add(ns);
            }
        }
        namespaces.add(ns("user"));
        List<Mount> mounts = new ArrayList<>();
        for (Mount m : spec.mounts()) {
            if (m.destination().equals("/sys")) {
                // sysfs cannot be mounted without a network namespace of one's own: bind the host's
                mounts.add(new Mount("/sys", "/sys", "none", List.of("rbind", "nosuid", "noexec", "nodev", "ro"), null, null));
            } else if (m.options() != null && m.options().contains("gid=5")) {
                // gid 5 (tty) is not mapped in the user namespace
                mounts.add(new Mount(m.destination(), m.source(), m.type(),
                        m.options().stream().filter(o -> !o.equals("gid=5")).toList(), null, null, m.extra()));
            } else {
                mounts.add(m);
            }
        }
        return spec.toBuilder()
                .mounts(mounts)
                .linux(linux.toBuilder()
                        .namespaces(namespaces)
                        .uidMappings(List.of(new IdMapping(0L, uid, 1L)))
                        .gidMappings(List.of(new IdMapping(0L, gid, 1L)))
                        // cgroup limits need a delegated cgroup, which an unprivileged user may not have
                        .resources(null)
                        .build())
                .build();
    }

    private static Linux.Namespace ns(String type) {
        return new Linux.Namespace(type, null);
    }
}
