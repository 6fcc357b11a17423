package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unprivileged side, for real: processes run as {@code nobody} through util-linux's
 * {@code setpriv}, so the kernel and the setuid helpers apply their rules for callers without
 * capabilities. Subordinate ranges for nobody come from an overlay on /etc inside a private mount
 * namespace, so the host's /etc is never touched.
 */
@KernelTest(requires = Kernel.Feature.USER_NAMESPACES)
@Timeout(60)
class RootlessKernelTest {

    private static final List<String> AS_NOBODY =
            List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all");

    // a field, so that it exists before the snapshot: the JDK opens /dev/urandom for its name once
    @TempDir
    static Path dir;

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        Leaks.assertNoneSince(before);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Path out = dir.resolve("out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(new File("/dev/null")).start();
            if (!p.waitFor(45, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IOException(command + " did not finish in 45 s");
            }
            return Files.readString(out, StandardCharsets.UTF_8) + "exit " + p.exitValue() + "\n";
        } finally {
            Files.delete(out);
        }
    }

    private static Path readableCopy(Class<?> from, String name) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = Path.of(from.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path target = dir.resolve(name);
        if (Files.isDirectory(target)) {
            return target;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path p : tree.toList()) {
                Path copy = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        return target;
    }

    @Test
    void theAvailabilityCheckAgreesWithTheKernelForAnUnprivilegedUser() throws Exception {
        Caller nobody = Caller.unprivileged("nobody", 65534, 65534);
        boolean predicted = UserNamespaces.unavailabilityCause(Path.of("/proc/sys"), nobody).isEmpty();
        List<String> cmd = new java.util.ArrayList<>(AS_NOBODY);
        cmd.addAll(List.of("unshare", "--user", "true"));
        String result = run(cmd);
        assertThat(result.endsWith("exit 0\n")).as("unshare --user as nobody: " + result).isEqualTo(predicted);
    }

    @Test
    void anUnprivilegedJvmMapsItsOwnIdsToRootByWritingTheMapsItself() throws Exception {
        Kernel.require(UserNamespaces.unavailabilityCause(Path.of("/proc/sys"),
                Caller.unprivileged("nobody", 65534, 65534)).isEmpty(), "unprivileged user namespaces are disabled");
        // nobody may not be able to read the build directory (a clone under /root): copy the classes
        Path classes = readableCopy(IdMapper.class, "classes");
        Path testClasses = readableCopy(RootlessProbe.class, "test-classes");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new java.util.ArrayList<>(AS_NOBODY);
        // no perf data: it would leave /tmp/hsperfdata_nobody behind
        cmd.addAll(List.of(java, "-XX:-UsePerfData", "-Xshare:auto", "-cp", classes + File.pathSeparator + testClasses,
                RootlessProbe.class.getName()));
        String out = run(cmd);
        assertThat(out).contains(
                "caller 65534 65534 false\n",
                "writers DIRECT DIRECT\n",
                "uid_map 0 65534 1\n",
                "gid_map 0 65534 1\n",
                "setgroups deny\n",
                "exit 0\n");
        assertThat(out).contains("wide refused uidMappings[1] = 1 100000 65536: host ids 100000..165535 are not nobody's");
    }

    @Test
    void anUnprivilegedJvmMapsA65536IdRangeFromEtcSubuidThroughNewuidmap() throws Exception {
        Kernel.require(UserNamespaces.unavailabilityCause(Path.of("/proc/sys"),
                Caller.unprivileged("nobody", 65534, 65534)).isEmpty(), "unprivileged user namespaces are disabled");
        Kernel.require(Files.isExecutable(IdMapper.NEWUIDMAP) && Files.isExecutable(IdMapper.NEWGIDMAP),
                "needs /usr/bin/newuidmap and newgidmap (Debian package uidmap)");
        Kernel.require(Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"),
                "needs overlayfs, to give nobody /etc/subuid entries without touching the host's /etc");
        Path classes = readableCopy(IdMapper.class, "classes");
        Path testClasses = readableCopy(RootlessProbe.class, "test-classes");
        Path upper = Files.createDirectories(dir.resolve("etc-upper"));
        Path work = Files.createDirectories(dir.resolve("etc-work"));
        Files.writeString(upper.resolve("subuid"), "nobody:100000:65536\n");
        Files.writeString(upper.resolve("subgid"), "65534:200000:65536\n");
        Files.setPosixFilePermissions(upper.resolve("subuid"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(upper.resolve("subgid"), PosixFilePermissions.fromString("rw-r--r--"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        // as root: a private mount namespace whose /etc has the entries; then become nobody there
        String script = "mount -t overlay overlay -o lowerdir=/etc,upperdir=" + upper + ",workdir=" + work + " /etc"
                + " && exec " + String.join(" ", AS_NOBODY) + " " + java + " -XX:-UsePerfData -cp " + classes
                + File.pathSeparator + testClasses + " " + RootlessProbe.class.getName() + " subordinate";
        String out = run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script));
        assertThat(out).contains(
                "writers HELPER HELPER\n",
                "uid_map 0 65534 1 1 100000 65536\n",
                "gid_map 0 65534 1 1 200000 65536\n",
                "setgroups allow\n",
                "exit 0\n");
    }
}
