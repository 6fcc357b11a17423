package dev.gatun.bench.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The podman side of {@link ContainerPerTestBenchmark}: 20 tests, each runs
 * {@code podman run --rm --network none <image> /bin/sh -c 'echo ready'} (one podman call per
 * test, which creates, starts, waits for and removes the container) and sees {@code ready}. With
 * {@code --ulimit nofile=1024:1024 --ulimit nproc=4096:4096}, as {@code PodmanKernelTest}: podman's
 * default of 1048576 needs CAP_SYS_RESOURCE beyond this machine's hard limit), and with
 * {@code --runtime runc}: Debian's default, crun 1.8, refuses a hybrid cgroup host such as this
 * one ("cgroups in hybrid mode not supported").
 */
public class PodmanPerTest {

    @RepeatedTest(ContainerPerTestBenchmark.TESTS)
    void theContainerSaysReady() throws Exception {
        Process p = new ProcessBuilder("podman", "--runtime", "runc", "run", "--rm", "--network", "none",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                System.getProperty("bench.podmanImage"), "/bin/sh", "-c", "echo ready").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("ready\n", out);
    }
}
