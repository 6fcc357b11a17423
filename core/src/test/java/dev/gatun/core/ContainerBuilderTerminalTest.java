package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
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
}
