package dev.gatun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.namespaces.Caller;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gatun} run by an unprivileged user on a bundle of {@code gatun spec --rootless}: create,
 * start, state, exec, kill and delete of a rootless container, its state under a root the user
 * owns. The commands run in this JVM ({@link Main#run}); the container writes what it sees into
 * its rootfs, which the user owns.
 *
 * <p>Tagged {@code rootless}, out of the root build: {@code .ci/unprivileged-lane} runs it as
 * {@code gatun-ci}.
 */
@KernelTest(root = false, requires = Kernel.Feature.USER_NAMESPACES)
@Tag("rootless")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RootlessGatunCommandKernelTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void anUnprivilegedJvm() {
        Kernel.require(!Kernel.isRoot(), "runs as an unprivileged user (.ci/unprivileged-lane runs it as gatun-ci)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static");
    }

    @Test
    void theLifecycleOfARootlessContainerThroughTheCommandLine() throws Exception {
        Path bundle = Files.createDirectory(tmp.resolve("bundle"));
        Path rootfs = BusyboxRootfs.create(bundle.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Path root = tmp.resolve("state");
        String id = "rootless-cli-" + ProcessHandle.current().pid();
        assertThat(Main.run(new String[] {"--root", root.toString(), "spec", "--rootless", "--bundle", bundle.toString()}))
                .isZero();
        Spec spec = OciSpecs.readConfig(bundle.resolve("config.json"));
        ProcessSpec process = spec.process().toBuilder().terminal(false)
                .args(List.of("sh", "-c", "id -u > /tmp/id; ls /sys/fs/cgroup > /tmp/cgroup; cat /proc/self/uid_map > /tmp/map; "
                        + "exec sleep 60")).build();
        // a writable root: the container reports through files in it
        OciSpecs.writeConfig(spec.toBuilder().process(process).root(new dev.gatun.oci.Root("rootfs", false)).build(),
                bundle.resolve("config.json"));

        assertThat(Main.run(new String[] {"--root", root.toString(), "create", "--bundle", bundle.toString(), id})).isZero();
        assertThat(status(root, id)).isEqualTo("created");
        assertThat(Main.run(new String[] {"--root", root.toString(), "start", id})).isZero();
        assertThat(status(root, id)).isEqualTo("running");
        awaitFile(rootfs.resolve("tmp/map"));
        assertThat(Files.readString(rootfs.resolve("tmp/id")).strip()).as("root inside").isEqualTo("0");
        // the spec binds the host's /sys; its cgroup mount still shows the container's own cgroup,
        // or nothing, never the host's hierarchy (on pure v2 a cgroup2 mount there fails: EBUSY)
        try (var host = Files.list(Path.of("/sys/fs/cgroup"))) {
            List<String> hosts = host.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> inside = Files.readAllLines(rootfs.resolve("tmp/cgroup")).stream().sorted().toList();
            assertThat(inside).as("the host's cgroup hierarchy %s", hosts).isNotEqualTo(hosts);
        }
        assertThat(Files.readString(rootfs.resolve("tmp/map")).strip().split("\\s+"))
                .as("the caller's uid is the container's root").startsWith("0", Long.toString(Caller.current().uid()));

        assertThat(Main.run(new String[] {"--root", root.toString(), "exec", id, "sh", "-c",
                "echo $(id -u) $(cat /proc/1/comm) > /tmp/exec"})).isZero();
        assertThat(Files.readString(rootfs.resolve("tmp/exec")).strip()).isEqualTo("0 sleep");

        assertThat(Main.run(new String[] {"--root", root.toString(), "kill", id, "KILL"})).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!status(root, id).equals("stopped")) {
            assertThat(System.nanoTime()).as("stopped after SIGKILL").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(Main.run(new String[] {"--root", root.toString(), "delete", id})).isZero();
        try (var left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsOnly("gatun.lock");
        }
    }

    private static String status(Path root, String id) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(new String[] {"--root", root.toString(), "state", id})).isZero();
        } finally {
            System.setOut(out);
        }
        return OciSpecs.mapper().readTree(captured.toString(StandardCharsets.UTF_8)).path("status").asString();
    }

    /** Waits until {@code file} has content: the shell makes it before its command writes. */
    private static void awaitFile(Path file) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(file) || Files.size(file) == 0) {
            assertThat(System.nanoTime()).as(file + " appears").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
