package dev.gatun.core.security;

import dev.gatun.cgroups.Resources.DeviceRule;
import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import java.util.List;
import java.util.Set;

/**
 * The sandbox's security defaults (DESIGN.md, "Security defaults for the sandbox API"): Docker's
 * 14 capabilities, the containers-common seccomp profile made as strict as Docker's,
 * {@code no_new_privs}, the masked and read-only paths, and the device rules. The OCI path
 * ({@code cli}, bundles) does not use these: it applies exactly
 * what config.json says.
 *
 * <p>Constants and pure functions; thread-safe.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#masked-paths">OCI maskedPaths</a>
 */
public final class SecurityDefaults {

    /**
     * The masked paths of {@code runc spec}'s example config, the de-facto OCI default: each is
     * covered by {@code /dev/null} (a file) or an empty read-only tmpfs (a directory).
     */
    public static final List<String> RUNC_MASKED_PATHS = List.of(
            "/proc/acpi",
            "/proc/asound",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/sys/firmware",
            "/proc/scsi");

    /**
     * The sandbox's masked paths: {@link #RUNC_MASKED_PATHS} plus what Docker added since:
     * {@code /sys/devices/virtual/powercap} (RAPL energy counters leak secrets, CVE-2020-8694)
     * and {@code /proc/interrupts} (interrupt counts are a side channel).
     */
    public static final List<String> MASKED_PATHS = List.of(
            "/proc/acpi",
            "/proc/asound",
            "/proc/interrupts",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/sys/firmware",
            "/sys/devices/virtual/powercap");

    /** The read-only paths of {@code runc spec} and Docker alike: bind-remounted read-only. */
    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus",
            "/proc/fs",
            "/proc/irq",
            "/proc/sys",
            "/proc/sysrq-trigger");

    /**
     * The device rules of runc and Docker (runc's {@code specconv.AllowedDevices} after a
     * deny-all): nothing, then {@code mknod} of any character or block device (creating a node is
     * harmless while opening it is refused: Docker keeps CAP_MKNOD), then read, write and mknod
     * of the standard character devices: null 1:3, random 1:8, full 1:7, tty 5:0, zero 1:5,
     * urandom 1:9, the pty slaves 136:*, ptmx 5:2, and tun 10:200 (runc dropped it in 1.2.0 and
     * put it back in 1.2.4, because users had come to rely on it). No console 5:1: a terminal
     * container's {@code /dev/console} is a bind mount of its pty slave, 136:*.
     *
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#allowed-device-list">config-linux.md, allowed device list</a>
     */
    public static final List<DeviceRule> DEVICE_RULES = List.of(
            new DeviceRule(false, "a", null, null, "rwm"),
            new DeviceRule(true, "c", null, null, "m"),
            new DeviceRule(true, "b", null, null, "m"),
            new DeviceRule(true, "c", 1L, 3L, "rwm"),
            new DeviceRule(true, "c", 1L, 8L, "rwm"),
            new DeviceRule(true, "c", 1L, 7L, "rwm"),
            new DeviceRule(true, "c", 5L, 0L, "rwm"),
            new DeviceRule(true, "c", 1L, 5L, "rwm"),
            new DeviceRule(true, "c", 1L, 9L, "rwm"),
            new DeviceRule(true, "c", 136L, null, "rwm"),
            new DeviceRule(true, "c", 5L, 2L, "rwm"),
            new DeviceRule(true, "c", 10L, 200L, "rwm"));

    private SecurityDefaults() {}

    /** Docker's default capability sets ({@link CapabilitySets#dockerDefault()}). */
    public static CapabilitySets capabilities() {
        return CapabilitySets.dockerDefault();
    }

    /**
     * The sandbox's default seccomp policy ({@link SandboxSeccomp}: containers-common made as
     * strict as Docker's) as it applies to a process on {@code nativeArch} with bounding set
     * {@code bounding} on {@code kernel}.
     */
    public static SeccompPolicy seccomp(Arch nativeArch, Set<Capability> bounding, KernelVersion kernel) {
        return SandboxSeccomp.policy(nativeArch, bounding, kernel);
    }

    /**
     * podman's and CRI-O's default profile, containers-common, as it applies to such a process: the
     * named preset for callers that need what it allows beyond the sandbox's default (new user
     * namespaces, keyrings).
     */
    public static SeccompPolicy containersCommonSeccomp(Arch nativeArch, Set<Capability> bounding, KernelVersion kernel) {
        return ContainersSeccompProfile.bundled().policy(nativeArch, bounding, kernel);
    }

    /**
     * {@code prctl(PR_SET_NO_NEW_PRIVS, 1)}: execve(2) can no longer grant privileges (setuid
     * bits, file capabilities), and an unprivileged process may load a seccomp filter. Set before
     * the filter is loaded.
     *
     * @see <a href="https://docs.kernel.org/userspace-api/no_new_privs.html">no_new_privs</a>
     */
    public static SecurityStep.Prctl noNewPrivs() {
        return SecurityStep.Prctl.of(SecurityStep.PR_SET_NO_NEW_PRIVS, 1, 0, "prctl(PR_SET_NO_NEW_PRIVS, 1)");
    }
}
