package dev.gatun.core.tofix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.Container;
import dev.gatun.core.ContainerProcess;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Known limitations of {@link Container}, as tests of what it should do. */
@KernelTest
class ContainerJoinPidNamespaceKernelTest {

    @Test
    @KnownBug("Container refuses to join an existing PID namespace ($.linux.namespaces: setns(CLONE_NEWPID) "
            + "only affects children, so it needs the spawn engine's fork step, which has no create/start pause yet)")
    void aContainerJoinsTheSidecarPidNamespaceOfAnother() throws Exception {
        try (Container first = Container.builder().id("ct" + ProcessHandle.current().pid() + "-pidhost")
                .stopTimeout(Duration.ofMillis(200)).command("/bin/sh", "-c", "echo ready; exec sleep 30").build()) {
            ContainerProcess host = first.run();
            BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            try (Container second = Container.builder().id("ct" + ProcessHandle.current().pid() + "-pidjoin")
                    .namespaces(Namespaces.builder().join(NamespaceType.PID, host.pid())
                            .create(NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK).build())
                    .command("/bin/sh", "-c", "echo $$; exec sleep 1").build()) {
                ContainerProcess joined = second.run();
                assertThat(NamespaceSet.of(joined.pid()).get(NamespaceType.PID))
                        .isEqualTo(NamespaceSet.of(host.pid()).get(NamespaceType.PID));
                String pid = new String(joined.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertThat(pid).isNotEqualTo("1");
                assertThat(joined.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
