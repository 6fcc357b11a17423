package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.plan.ContainerPlanner;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.oci.Mount;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerBuilderTerminalTest {

    @Test
    void theTerminalIsOffByDefault() {
        Spec spec = Container.builder().command("/bin/true").seccomp(false).toSpec();
        assertThat(spec.process().terminal()).isFalse();
        assertThat(spec.process().consoleSize()).isNull();
    }

    @Test
    void terminalAndConsoleSizeAreWrittenIntoTheSpec() {
        Spec spec = Container.builder().command("/bin/sh").seccomp(false).terminal(true).consoleSize(40, 123).toSpec();
        assertThat(spec.process().terminal()).isTrue();
        assertThat(spec.process().consoleSize()).isEqualTo(new ProcessSpec.ConsoleSize(40L, 123L));
    }

    @Test
    void aConsoleSizeWithoutATerminalIsLeftOut() {
        Spec spec = Container.builder().command("/bin/sh").seccomp(false).consoleSize(40, 123).toSpec();
        assertThat(spec.process().consoleSize()).isNull();
    }

    @Test
    void anEmptyConsoleSizeIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> Container.builder().consoleSize(0, 80))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consoleSize");
    }

    @Test
    void theDefaultContainerTakesItsTerminalFromItsOwnDevpts() {
        assertThat(ContainerPlanner.terminalInContainer(terminal().toSpec())).isTrue();
    }

    @Test
    void aRuncStyleDevAndDevptsMountGiveATerminalOfTheContainersOwn() {
        Spec spec = terminal().mount(devTmpfs())
                .mount(new Mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), null, null))
                .toSpec();
        assertThat(ContainerPlanner.terminalInContainer(spec)).isTrue();
    }

    @Test
    void aDevWithoutDevptsFallsBackToAHostPty() {
        assertThat(ContainerPlanner.terminalInContainer(terminal().mount(devTmpfs()).toSpec())).isFalse();
    }

    @Test
    void aBoundDevptsFallsBackToAHostPty() {
        Spec spec = terminal().bind(Path.of("/dev/pts"), "/dev/pts", false).toSpec();
        assertThat(ContainerPlanner.terminalInContainer(spec)).isFalse();
    }

    @Test
    void aDevMountedAfterTheDevptsHidesIt() {
        Spec spec = terminal().mount(new Mount("/dev/pts", "devpts", "devpts", List.of("newinstance"), null, null))
                .mount(devTmpfs()).toSpec();
        assertThat(ContainerPlanner.terminalInContainer(spec)).isFalse();
    }

    @Test
    void withoutAMountNamespaceTheTerminalIsAHostPty() {
        Spec spec = terminal().namespaces(Namespaces.builder().create(NamespaceType.PID, NamespaceType.UTS).build())
                .toSpec();
        assertThat(ContainerPlanner.terminalInContainer(spec)).isFalse();
    }

    @Test
    void withoutATerminalThereIsNoContainerTerminal() {
        Spec spec = Container.builder().command("/bin/sh").seccomp(false).toSpec();
        assertThat(ContainerPlanner.terminalInContainer(spec)).isFalse();
    }

    private static ContainerBuilder terminal() {
        return Container.builder().command("/bin/sh").seccomp(false).terminal(true);
    }

    private static Mount devTmpfs() {
        return new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null, null);
    }
}
