package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@KernelTest
class ContainerSmokeKernelTest {

    @Test
    void aSandboxContainerRunsAShellAsPid1() throws Exception {
        try (Container c = Container.builder().hostname("box")
                .command("/bin/sh", "-c", "echo pid=$$; hostname; id -u; cat /proc/self/cgroup | head -3")
                .redirectErrorStream(true)
                .build()) {
            c.plan();
            try (var w = java.nio.file.Files.walk(java.nio.file.Path.of("/run/gatun"))) {
                w.forEach(x -> System.out.println("LEFT " + x));
            }
            ContainerProcess p = c.run();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println(out);
            assertThat(p.waitFor()).isZero();
            assertThat(out).contains("pid=1").contains("box");
        }
    }
}
