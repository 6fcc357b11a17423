package dev.gatun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman (Debian's, through conmon) runs containers with {@code --runtime <gatun>}: the article's
 * chain podman → conmon → gatun → clone. No registry: the image is a busybox rootfs tarball that
 * {@code podman import} reads. podman keeps its storage, run and tmp directories in this test's
 * temporary directory, and gatun its state ({@code --root}), so the host's podman and gatun are
 * untouched.
 */
@KernelTest
class PodmanKernelTest {

    private static final String IMAGE = "localhost/gatun-busybox";

    @TempDir
    Path tmp;

    private Path gatun;

    @BeforeEach
    void imageAndRuntime() throws Exception {
        Kernel.require(onPath("podman") && (onPath("conmon") || Files.isExecutable(Path.of("/usr/libexec/podman/conmon"))),
                "podman and conmon are not installed (apt-get install podman conmon)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Path tar = tmp.resolve("busybox.tar");
        assertThat(run(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".")).code()).isZero();
        Result imported = podman("import", tar.toString(), IMAGE);
        assertThat(imported.code()).as(imported.err()).isZero();
        // the runtime podman execs: this build's gatun (its module path), with its state in tmp
        gatun = tmp.resolve("gatun");
        Files.writeString(gatun, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElseThrow()
                + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 --enable-native-access=dev.gatun.core -p '"
                + System.getProperty("jdk.module.path") + "' -m dev.gatun.cli/dev.gatun.cli.Main --root '"
                + tmp.resolve("gatun-root") + "' \"$@\"\n");
        Files.setPosixFilePermissions(gatun, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void podmanRunsAContainerWithTheArticlesLimitsAndGetsItsExitStatus() throws Exception {
        Result r = podman(runArgs("run", "--rm", "--memory", "64m", "--pids-limit", "50", "--cpus", "0.5", IMAGE,
                "sh", "-c", "echo hello from gatun; cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                        + "/sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us; exit 7"));
        assertThat(r.code()).as(r.err()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("hello from gatun\n67108864\n50\n50000\n");
        nothingIsLeft();
    }

    @Test
    void podmanRunDetachedLogsPausesStopsAndRemoves() throws Exception {
        Result started = podman(runArgs("run", "-d", "--name", "bg", IMAGE, "sh", "-c",
                "echo up; trap 'echo bye; exit 0' TERM; while :; do sleep 0.2; done"));
        assertThat(started.code()).as(started.err()).isZero();
        assertThat(podman("ps", "--format", "{{.Names}} {{.Status}}").out()).startsWith("bg Up");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!podman("logs", "bg").out().contains("up")) {
            assertThat(System.nanoTime()).as("the container's output reaches podman logs").isLessThan(deadline);
            Thread.sleep(100);
        }
        Result paused = podman("pause", "bg");
        assertThat(paused.code()).as(paused.err()).isZero();
        assertThat(podman("ps", "-a", "--format", "{{.Names}} {{.Status}}").out()).startsWith("bg Paused");
        Result unpaused = podman("unpause", "bg");
        assertThat(unpaused.code()).as(unpaused.err()).isZero();
        Result stopped = podman("stop", "-t", "10", "bg");
        assertThat(stopped.code()).as(stopped.err()).isZero();
        assertThat(podman("ps", "-a", "--format", "{{.Names}} {{.Status}}").out()).startsWith("bg Exited (0)");
        assertThat(podman("logs", "bg").out()).isEqualTo("up\nbye\n");
        Result removed = podman("rm", "bg");
        assertThat(removed.code()).as(removed.err()).isZero();
        nothingIsLeft();
    }

    /**
     * The article's command: {@code podman run -d -p 8081:80} a web server with gatun as the
     * runtime. podman's own network stack (CNI's bridge) makes the network namespace and the port
     * mapping; gatun joins the namespace podman names in config.json. The host GETs the page on
     * loopback.
     */
    @Test
    void podmanPublishesTheArticlesPort8081ToAServerInTheContainer() throws Exception {
        Result started = podman("run", "-d", "--name", "web", "-p", "127.0.0.1:8081:80", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=4096:4096", IMAGE, "sh", "-c",
                "mkdir -p /tmp/www && echo served by gatun > /tmp/www/index.html && exec /bin/busybox httpd -f -p 80 -h /tmp/www");
        assertThat(started.code()).as(started.err()).isZero();
        try {
            String page = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (page == null) {
                try (var socket = new java.net.Socket("127.0.0.1", 8081)) {
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    page = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    assertThat(System.nanoTime()).as("port 8081 answers: " + e).isLessThan(deadline);
                    Thread.sleep(200);
                }
            }
            assertThat(page).startsWith("HTTP/1.").contains(" 200 ").endsWith("served by gatun\n");
        } finally {
            Result removed = podman("rm", "-f", "-t", "0", "web");
            assertThat(removed.code()).as(removed.err()).isZero();
        }
        nothingIsLeft();
    }

    /** {@code podman exec}: conmon runs {@code gatun exec -d --pid-file --process}, and reports the process's exit. */
    @Test
    void podmanExecRunsAProcessInTheRunningContainer() throws Exception {
        Result started = podman(runArgs("run", "-d", "--name", "ex", IMAGE, "sh", "-c", "echo $$ > /tmp/init; sleep 60"));
        assertThat(started.code()).as(started.err()).isZero();
        Result exec = podman("exec", "-e", "GREETING=hi", "ex", "sh", "-c",
                "echo $GREETING $(cat /tmp/init) $(cat /proc/1/comm); exit 3");
        assertThat(exec.code()).as(exec.err()).isEqualTo(3);
        assertThat(exec.out()).isEqualTo("hi 1 sleep\n"); // busybox sh execs its last command
        Result missing = podman("exec", "ex", "/bin/no-such-program");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("/bin/no-such-program");
        Result removed = podman("rm", "-f", "-t", "0", "ex");
        assertThat(removed.code()).as(removed.err()).isZero();
        nothingIsLeft();
    }

    @Test
    void aFailingCreateSurfacesGatunsErrorInPodmansMessage() throws Exception {
        Result r = podman(runArgs("run", "--rm", IMAGE, "/bin/no-such-program"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("$.process.args[0]").contains("/bin/no-such-program");
        podman("rm", "-a", "-f");
        nothingIsLeft();
    }

    /**
     * {@code podman run -t}: conmon passes {@code --console-socket}, gatun sends the pty master the
     * container's init made in its own devpts, and the container's stdio is that terminal. podman
     * runs under script(1), which gives it a terminal of its own.
     */
    @Test
    void podmanRunWithATerminalGetsThePtyOverTheConsoleSocket() throws Exception {
        Kernel.require(onPath("script"), "script (bsdutils) is not installed");
        List<String> podman = new ArrayList<>(List.of("podman", "--root", tmp.resolve("storage").toString(), "--runroot",
                tmp.resolve("run").toString(), "--tmpdir", tmp.resolve("podman-tmp").toString(),
                "--cgroup-manager=cgroupfs", "--events-backend=file", "--storage-driver=vfs", "--runtime", gatun.toString()));
        podman.addAll(List.of(runArgs("run", "--rm", "-t", IMAGE, "sh", "-c", "tty; ls -l /proc/self/fd/1")));
        Result r = run(List.of("script", "-qec", String.join(" ", podman.stream().map(a -> "'" + a + "'").toList()),
                "/dev/null"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("/dev/pts/0").contains("1 -> /dev/pts/0");
        nothingIsLeft();
    }

    /** A failed test's containers go before the temporary directory does (their shm mounts are in it). */
    @AfterEach
    void removeWhatAFailedTestLeft() throws IOException {
        if (gatun != null && !podman("ps", "-a", "-q").out().isBlank()) {
            podman("unpause", "--all");
            podman("rm", "-a", "-f", "-t", "0");
        }
    }

    private void nothingIsLeft() throws IOException {
        assertThat(podman("ps", "-a", "-q").out()).as("podman's containers").isEmpty();
        Path state = tmp.resolve("gatun-root");
        if (Files.isDirectory(state)) {
            try (Stream<Path> s = Files.list(state)) {
                assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("gatun.lock")))
                        .as("gatun's state directories").isEmpty();
            }
        }
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : s.toList()) {
                Path parent = hierarchy.resolve("libpod_parent");
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> c = Files.list(parent)) {
                        assertThat(c.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("libpod-")))
                                .as("container cgroups in " + parent).isEmpty();
                    }
                }
            }
        }
    }

    /**
     * podman run's flags for this host: no network (no CNI needed), and limits root can set here
     * (podman's default nofile and nproc of 1048576 need CAP_SYS_RESOURCE, which a root in a
     * container may lack: runc and crun fail the same way).
     */
    private static String[] runArgs(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--network", "none", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=4096:4096"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private Result podman(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("podman", "--root", tmp.resolve("storage").toString(), "--runroot",
                tmp.resolve("run").toString(), "--tmpdir", tmp.resolve("podman-tmp").toString(),
                "--cgroup-manager=cgroupfs", "--events-backend=file", "--storage-driver=vfs"));
        if (gatun != null) {
            command.addAll(List.of("--runtime", gatun.toString()));
        }
        command.addAll(List.of(args));
        return run(command);
    }

    record Result(int code, String out, String err) {}

    private Result run(List<String> command) throws IOException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", command) + " ends").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
