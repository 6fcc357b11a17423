package dev.gatun.bench.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The benchmark's OCI bundle: a busybox rootfs and a config.json that runs {@code /bin/true} in
 * new pid, mount, uts, ipc and network namespaces under the article's limits (512 MiB memory and
 * swap, 1.5 CPUs, 512 shares, 100 pids), read-only root, no terminal.
 *
 * <p>The blkio weight (500) is left out for every runtime: this host's blkio controller has only
 * {@code blkio.bfq.weight}, and crun 1.8 fails on the missing {@code blkio.weight}.
 */
final class Bundle {

    private Bundle() {}

    /**
     * The fair bundle: the builder's default container ({@code Container.builder().command("/bin/true")}:
     * its namespaces, seccomp profile, capabilities, masked and read-only paths, the host paths it
     * binds read-only) with the article's limits this host supports (512 MiB memory and swap,
     * 1.5 CPUs, 512 shares, 100 pids; no blkio weight) in cgroup {@code cgroupsPath}, written for
     * {@code crun run} ({@link dev.gatun.bench.cold.ColdStart#bundle(Path, dev.gatun.oci.Spec)}).
     * Without {@code seccomp} the spec has no seccomp section, for every runtime alike.
     */
    static Path createDefault(Path dir, String cgroupsPath, boolean seccomp) throws Exception {
        dev.gatun.oci.Spec spec = dev.gatun.core.Container.builder().command("/bin/true").id("bench")
                .cgroupsPath(cgroupsPath)
                .resources(r -> r.memory("512m").memorySwap("512m").cpus(1.5).cpuShares(512).pidsLimit(100))
                .toSpec();
        if (!seccomp) {
            spec = spec.toBuilder().linux(spec.linux().toBuilder().seccomp(null).build()).build();
        }
        dev.gatun.bench.cold.ColdStart.bundle(dir, spec);
        return dir;
    }

    /** Writes the light bundle into {@code dir}: {@code dir/rootfs} and {@code dir/config.json}. */
    static Path create(Path dir, String cgroupsPath) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        for (String d : List.of("bin", "proc", "dev", "sys", "tmp", "etc")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Path busybox = Files.isExecutable(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : Path.of("/usr/bin/busybox");
        Files.copy(busybox, rootfs.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("true", "sh")) {
            Path link = rootfs.resolve("bin").resolve(applet);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of("busybox"));
        }
        Files.writeString(dir.resolve("config.json"), config(cgroupsPath));
        return dir;
    }

    /** The config.json text; {@code cgroupsPath} is absolute so every runtime puts the cgroup in the same place. */
    static String config(String cgroupsPath) {
        return """
                {
                  "ociVersion": "1.0.2",
                  "process": {
                    "terminal": false,
                    "user": {"uid": 0, "gid": 0},
                    "args": ["/bin/true"],
                    "env": ["PATH=/bin"],
                    "cwd": "/",
                    "capabilities": {
                      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                    },
                    "noNewPrivileges": true
                  },
                  "root": {"path": "rootfs", "readonly": true},
                  "hostname": "bench",
                  "mounts": [
                    {"destination": "/proc", "type": "proc", "source": "proc"},
                    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}
                  ],
                  "linux": {
                    "cgroupsPath": "%s",
                    "resources": {
                      "memory": {"limit": 536870912, "swap": 536870912},
                      "cpu": {"shares": 512, "quota": 150000, "period": 100000},
                      "pids": {"limit": 100}
                    },
                    "namespaces": [
                      {"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                      {"type": "uts"}, {"type": "mount"}
                    ]
                  }
                }
                """.formatted(cgroupsPath);
    }
}
