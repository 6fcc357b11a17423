package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.security.CapabilityPlan;
import dev.gatun.core.security.CapabilitySets;
import dev.gatun.core.security.SecurityDefaults;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The default container's security posture, read from inside it and asserted exactly (gVisor's
 * way of testing a sandbox): capabilities, seccomp, no_new_privs, namespaces, open fds, mounts
 * with their flags, cgroups, rlimits, the OOM score and the pids limit. The README's description
 * of the defaults says what this test asserts.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane): most users' hosts are pure v2
class ContainerPostureKernelTest {

    private static final Set<String> MOUNT_FLAGS = Set.of("ro", "rw", "nosuid", "nodev", "noexec");

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void theDefaultContainersPostureIsExactlyTheSandboxes() throws Exception {
        String id = Leftovers.id("posture");
        String script = "grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; echo ==; cat /proc/self/mountinfo; "
                + "echo ==; cat /proc/self/cgroup; echo ==; cat /proc/self/limits; echo ==; "
                + "cat /proc/self/oom_score_adj; echo ==; exec sleep 30";
        try (Container c = Container.builder().id(id).stopTimeout(Duration.ofMillis(200))
                .command("/bin/sh", "-c", script).build()) {
            ContainerProcess p = c.run();
            BufferedReader out = Ran.lines(p);
            List<List<String>> sections = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                List<String> lines = new ArrayList<>();
                for (String l; (l = Ran.readLine(out)) != null && !l.equals("=="); ) {
                    lines.add(l);
                }
                sections.add(lines);
            }
            Map<String, String> status = sections.get(0).stream().map(l -> l.split(":\\s+", 2))
                    .collect(Collectors.toMap(f -> f[0], f -> f[1], (a, b) -> a, LinkedHashMap::new));

            // capabilities: Docker's 14 in the bounding, effective and permitted sets, nothing else
            String docker = String.format("%016x", CapabilityPlan.mask(CapabilitySets.DOCKER_DEFAULT));
            assertThat(status).containsEntry("CapBnd", docker).containsEntry("CapEff", docker)
                    .containsEntry("CapPrm", docker).containsEntry("CapInh", "0000000000000000")
                    .containsEntry("CapAmb", "0000000000000000");
            // one seccomp filter, in filter mode; no_new_privs
            assertThat(status).containsEntry("NoNewPrivs", "1").containsEntry("Seccomp", "2")
                    .containsEntry("Seccomp_filters", "1");

            // mounts, with their per-mount flags
            assertThat(mounts(sections.get(1))).containsExactlyInAnyOrderEntriesOf(expectedMounts());

            // every hierarchy: the container's own cgroup, which is its root
            assertThat(sections.get(2)).filteredOn(l -> !l.contains(":name=")).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).endsWith(":/"));
            assertThat(Files.readAllLines(Path.of("/proc/" + p.pid() + "/cgroup"))).filteredOn(l -> !l.contains(":name="))
                    .allSatisfy(l -> assertThat(l).endsWith("/gatun-" + id));
            Map<String, Path> dirs = c.cgroup().orElseThrow().directories();
            Path pidsDir = dirs.containsKey("") ? dirs.get("") : dirs.get("pids");
            assertThat(Files.readString(pidsDir.resolve("pids.max")).strip())
                    .isEqualTo(Long.toString(ContainerBuilder.DEFAULT_PIDS_LIMIT));

            // devices: runc's and Docker's allow list after a deny-all (v1's devices.list; on v2 the
            // eBPF program, which the device tests exercise)
            Path devices = c.cgroup().orElseThrow().directories().get("devices");
            if (devices != null) {
                assertThat(Files.readAllLines(devices.resolve("devices.list"))).containsExactlyInAnyOrder(
                        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm",
                        "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm");
            }

            // rlimits: the JVM's, inherited (the builder sets none by default)
            assertThat(sections.get(3)).isEqualTo(Files.readAllLines(Path.of("/proc/self/limits")));
            assertThat(sections.get(4)).containsExactly(Integer.toString(ContainerBuilder.DEFAULT_OOM_SCORE_ADJ));

            // namespaces: new pid, mount, uts, ipc, network and cgroup; the host's user and time
            assertThat(NamespaceSet.of(p.pid()).differentFrom(NamespaceSet.self())).containsExactlyInAnyOrderElementsOf(
                    EnumSet.of(NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC,
                            NamespaceType.NETWORK, NamespaceType.CGROUP));

            // open fds of the init (sleep, exec'd): stdin, stdout, stderr and nothing else. The
            // shell prints its last section before it execs sleep: wait for the exec, or a loaded
            // machine shows the shell's own fds
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip().equals("sleep")) {
                assertThat(System.nanoTime()).as("the init never exec'd sleep").isLessThan(deadline);
                Thread.sleep(10);
            }
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
                assertThat(fds.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("0", "1", "2");
            }
        }
        Leftovers.assertNoneOf(id);
    }

    /** Mount point → its per-mount flags among ro/rw/nosuid/nodev/noexec, from mountinfo lines. */
    private static Map<String, String> mounts(List<String> mountinfo) {
        Map<String, String> m = new TreeMap<>();
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            m.put(f[4], Stream.of(f[5].split(",")).filter(MOUNT_FLAGS::contains).sorted().collect(Collectors.joining(",")));
        }
        return m;
    }

    /** What the sandbox root's container must show: see ContainerBuilder, SandboxRoot and SecurityDefaults. */
    private static Map<String, String> expectedMounts() {
        Map<String, String> m = new TreeMap<>();
        m.put("/", "ro");
        m.put("/proc", flags("rw,nosuid,nodev,noexec"));
        m.put("/dev", flags("rw,nosuid"));
        m.put("/dev/pts", flags("rw,nosuid,noexec"));
        m.put("/dev/shm", flags("rw,nosuid,nodev,noexec"));
        m.put("/dev/mqueue", flags("rw,nosuid,nodev,noexec"));
        m.put("/sys", flags("ro,nosuid,nodev,noexec"));
        m.put("/tmp", flags("rw,nosuid,nodev"));
        for (String p : ContainerBuilder.DEFAULT_HOST_PATHS) {
            Path host = Path.of(p);
            if (Files.isSymbolicLink(host)) {
                continue; // recreated as a symlink, not mounted
            }
            if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                m.put(p, flags("ro,nodev"));
            } else if (Files.isRegularFile(host, LinkOption.NOFOLLOW_LINKS)) {
                m.put(p, flags("ro,nosuid,nodev"));
            }
        }
        // generated for the network mode (EtcFiles), bound over the host paths, read-only as the root is
        for (String p : List.of("/etc/hosts", "/etc/hostname", "/etc/resolv.conf")) {
            m.put(p, flags("ro,nosuid,nodev,noexec"));
        }
        for (String p : SecurityDefaults.MASKED_PATHS) {
            Path host = Path.of(p);
            if (Files.isDirectory(host)) {
                m.put(p, "ro"); // an empty read-only tmpfs
            } else if (Files.exists(host)) {
                m.put(p, hostDevNullFlags()); // a clone of the host's /dev/null mount (CVE-2025-31133)
            }
        }
        for (String p : SecurityDefaults.READONLY_PATHS) {
            if (Files.exists(Path.of(p))) {
                m.put(p, flags("ro,nosuid,nodev,noexec"));
            }
        }
        return m;
    }

    /** The per-mount flags of the host's mount that holds /dev/null (its /dev). */
    private static String hostDevNullFlags() {
        try {
            return mounts(Files.readAllLines(Path.of("/proc/self/mountinfo"))).get("/dev");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String flags(String csv) {
        return Stream.of(csv.split(",")).sorted().collect(Collectors.joining(","));
    }
}
