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
 * {@code setpriv}, so the kernel applies its rules for writers without capabilities.
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
}
