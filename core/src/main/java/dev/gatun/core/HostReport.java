package dev.gatun.core;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.namespaces.Caller;
import dev.gatun.namespaces.SubordinateIds;
import dev.gatun.namespaces.UserNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this user can do with Gatun on this host, as {@code podman info} and {@code runc features}
 * tell it: root or not, user namespaces and subordinate ids, the cgroup layout and whether this
 * JVM's cgroup is delegated to it, the controllers, the seccomp actions, and the kernel features
 * Gatun uses. {@link Gatun#hostReport()} makes one; {@link #toString()} renders it for people.
 *
 * <p>Read from the host at the moment it is made ({@code /proc}, {@code /sys/fs/cgroup},
 * {@code /etc/subuid}); a file that cannot be read gives an empty value, never an exception.
 * Immutable and thread-safe.
 *
 * @param user the user name and uid of this JVM
 * @param root whether this JVM runs as root (euid 0)
 * @param kernel the kernel release
 * @param architecture {@code os.arch}
 * @param userNamespaces why user namespaces cannot be made, or empty when they can
 * @param subuids this user's ranges in {@code /etc/subuid} ("start+count")
 * @param subgids this user's ranges in {@code /etc/subgid}
 * @param cgroupMode unified (pure v2), hybrid or legacy
 * @param ownCgroup this JVM's cgroup directory where containers go by default (the v2 one on a
 *     unified host, the memory controller's on v1), or empty when none is mounted
 * @param cgroupDelegated whether this user may create cgroups there (root, or a delegated subtree)
 * @param controllers the controllers a container's cgroup can use
 * @param seccompActions the kernel's {@code /proc/sys/kernel/seccomp/actions_avail}
 * @param features the kernel features Gatun uses, each with whether this kernel has it
 */
public record HostReport(String user, long uid, boolean root, String kernel, String architecture,
        Optional<String> userNamespaces, List<String> subuids, List<String> subgids,
        CgroupLayout.Mode cgroupMode, Optional<Path> ownCgroup, boolean cgroupDelegated, Set<String> controllers,
        Set<String> seccompActions, Map<String, Boolean> features) {

    /** Reads the report of this JVM on this host. */
    static HostReport read() {
        Caller caller = Caller.current();
        String kernel = Gatun.kernelRelease();
        KernelVersion version = KernelVersion.parse(kernel);
        CgroupLayout layout = null;
        try {
            layout = CgroupLayout.detect();
        } catch (IOException | RuntimeException e) {
            // no cgroup hierarchy mounted: reported as such
        }
        Optional<Path> own = Optional.empty();
        Set<String> controllers = new TreeSet<>();
        if (layout != null && layout.mode() == CgroupLayout.Mode.UNIFIED) {
            Path dir = layout.unifiedMount().orElseThrow().resolve(layout.unifiedPath().substring(1));
            own = Optional.of(dir);
            controllers.addAll(List.of(read(dir.resolve("cgroup.controllers")).split("\\s+")));
            controllers.remove("");
        } else if (layout != null) {
            for (Map.Entry<String, Path> m : layout.v1Mounts().entrySet()) {
                if (!m.getKey().startsWith("name=")) {
                    controllers.add(m.getKey());
                }
            }
            Path memory = layout.v1Mounts().get("memory");
            if (memory != null) {
                own = Optional.of(memory.resolve(layout.v1Paths().getOrDefault("memory", "/").substring(1)));
            }
        }
        boolean delegated = caller.uid() == 0 || (layout != null && Rootless.undelegated(layout).isEmpty());
        Map<String, Boolean> features = new LinkedHashMap<>();
        features.put("clone3, CLONE_CLEAR_SIGHAND (5.5)", atLeast(version, 5, 5));
        features.put("openat2 (5.6)", atLeast(version, 5, 6));
        features.put("pidfd_getfd (5.6)", atLeast(version, 5, 6));
        features.put("CLONE_INTO_CGROUP (5.7)", atLeast(version, 5, 7));
        features.put("close_range CLOSE_RANGE_CLOEXEC (5.11)", atLeast(version, 5, 11));
        features.put("mount_setattr (5.12)", atLeast(version, 5, 12));
        features.put("cgroup.kill (5.14), for the sentinel", atLeast(version, 5, 14)
                && layout != null && layout.unifiedMount().isPresent());
        features.put("cgroup2 device programs (bpf)", layout != null && layout.unifiedMount().isPresent());
        features.put("time namespaces", Files.exists(Path.of("/proc/self/ns/time")));
        return new HostReport(caller.name(), caller.uid(), caller.uid() == 0, kernel, System.getProperty("os.arch", "?"),
                UserNamespaces.unavailabilityCause(), ranges(SubordinateIds.SUBUID, caller),
                ranges(SubordinateIds.SUBGID, caller), layout == null ? CgroupLayout.Mode.LEGACY : layout.mode(),
                own, delegated, controllers, new TreeSet<>(List.of(read(Path.of("/proc/sys/kernel/seccomp/actions_avail"))
                        .split("\\s+"))), features);
    }

    /** The report for people, one fact a line. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append("user:            ").append(user).append(" (uid ").append(uid).append(root ? ", root)" : ", not root)").append('\n');
        s.append("kernel:          ").append(kernel).append(' ').append(architecture).append('\n');
        s.append("user namespaces: ").append(userNamespaces.map(c -> "no: " + c).orElse("yes")).append('\n');
        s.append("subuid / subgid: ").append(subuids.isEmpty() ? "none" : String.join(", ", subuids)).append(" / ")
                .append(subgids.isEmpty() ? "none" : String.join(", ", subgids)).append('\n');
        s.append("cgroups:         ").append(cgroupMode.name().toLowerCase(java.util.Locale.ROOT))
                .append(ownCgroup.map(p -> ", this JVM's cgroup " + p).orElse(", none mounted"))
                .append(cgroupDelegated ? " (may create cgroups there)" : " (not delegated to this user: no limits)")
                .append('\n');
        s.append("controllers:     ").append(String.join(" ", controllers)).append('\n');
        s.append("seccomp actions: ").append(String.join(" ", seccompActions)).append('\n');
        for (Map.Entry<String, Boolean> f : features.entrySet()) {
            s.append(f.getValue() ? "  yes  " : "  no   ").append(f.getKey()).append('\n');
        }
        return s.toString();
    }

    private static boolean atLeast(KernelVersion v, int major, int minor) {
        return v.compareTo(new KernelVersion(major, minor, 0)) >= 0;
    }

    /** Whether this (non-root) user may make cgroups in {@code dir} and move processes there. */
    private static List<String> ranges(Path file, Caller caller) {
        List<String> out = new ArrayList<>();
        try {
            for (SubordinateIds.Range r : SubordinateIds.read(file).rangesOf(caller.name(), caller.uid())) {
                out.add(r.start() + "+" + r.count());
            }
        } catch (IOException e) {
            // no such file: no ranges
        }
        return List.copyOf(out);
    }

    private static String read(Path file) {
        // not Files.readString: some /proc files answered it with their first byte only (JDK 25)
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
