package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What a container test could leave on the host beyond what {@link dev.gatun.testing.HostSnapshot}
 * sees: cgroup directories (in every hierarchy, below this JVM's own cgroup) and directories under
 * Gatun's state directory.
 *
 * <p>Test containers get ids that start with {@link #PREFIX} (this JVM's pid), so that the checks
 * see only what this test run made, never the containers another process on the host runs.
 */
final class Leftovers {

    /** Every test container's id starts with this: "ct" and this JVM's pid. */
    static final String PREFIX = "ct" + ProcessHandle.current().pid() + "-";
    /** The per-JVM cgroup2 directory the sentinel kills at the JVM's death ({@code Sentinel}). */
    static final String SENTINEL_DIR = Sentinel.directoryName();

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private Leftovers() {}

    /** A fresh container id for this test run: {@code ct<pid>-<what>-<n>}. */
    static String id(String what) {
        return PREFIX + what + "-" + COUNTER.incrementAndGet();
    }

    /**
     * This JVM's own cgroup directory in each mounted hierarchy: the mount point under
     * /sys/fs/cgroup joined with the path /proc/self/cgroup gives for that hierarchy.
     */
    static Map<String, Path> ownCgroups() {
        Map<String, String> paths = new LinkedHashMap<>();
        for (String line : read(Path.of("/proc/self/cgroup")).split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                // "0::/path" is the v2 (unified) hierarchy; v1 lines list their controllers
                String key = f[1].isEmpty() ? "" : f[1];
                for (String controller : key.split(",")) {
                    paths.put(controller.replace("name=", ""), f[2]);
                }
            }
        }
        Map<String, Path> result = new LinkedHashMap<>();
        try (Stream<Path> mounts = Files.list(CGROUP_ROOT)) {
            for (Path mount : mounts.sorted().toList()) {
                if (Files.isSymbolicLink(mount) || !Files.isDirectory(mount)) {
                    continue;
                }
                String name = mount.getFileName().toString();
                String own = name.equals("unified") ? paths.get("") : paths.get(name);
                if (own == null && name.contains(",")) {
                    own = paths.get(name.split(",")[0]);
                }
                if (own != null) {
                    result.put(name, Path.of(mount.toString(), own));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (result.isEmpty() && Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            result.put("", Path.of(CGROUP_ROOT.toString(), paths.getOrDefault("", "/")));
        }
        return result;
    }

    /** The cgroup directories of container {@code id} that exist now, in any hierarchy. */
    static List<Path> cgroupDirectories(String id) {
        List<Path> found = new ArrayList<>();
        for (Path own : ownCgroups().values()) {
            // the unified hierarchy's leaf is below the JVM's sentinel directory
            for (Path parent : List.of(own, own.resolve(SENTINEL_DIR))) {
                Path dir = parent.resolve("gatun-" + id);
                if (Files.exists(dir)) {
                    found.add(dir);
                }
            }
        }
        return found;
    }

    /** What container {@code id} left: cgroup directories and its state directory. */
    static List<Path> of(String id) {
        List<Path> left = new ArrayList<>(cgroupDirectories(id));
        Path state = SandboxRoot.stateDirectory().resolve(id);
        if (Files.exists(state)) {
            left.add(state);
        }
        return left;
    }

    /** Asserts that container {@code id} left no cgroup directory and no state directory. */
    static void assertNoneOf(String id) {
        assertThat(of(id)).as("what container %s left behind", id).isEmpty();
    }

    /** Everything any container of this test run left: cgroups named gatun-ct&lt;pid&gt;-* and state dirs ct&lt;pid&gt;-*. */
    static List<Path> ofThisRun() {
        List<Path> left = new ArrayList<>();
        for (Path own : ownCgroups().values()) {
            left.addAll(list(own, "gatun-" + PREFIX));
            left.addAll(list(own.resolve(SENTINEL_DIR), "gatun-" + PREFIX));
        }
        left.addAll(list(SandboxRoot.stateDirectory(), PREFIX));
        return left;
    }

    private static List<Path> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
