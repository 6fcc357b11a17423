package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class NestedPidsTest {

    @Test
    void nspidListsOutermostFirst() throws Exception {
        NestedPids p = NestedPids.parse("status", "Name:\tsh\nNSpid:\t4711\t1\nNSpgid:\t4711\t1\n");
        assertThat(p.pids()).containsExactly(4711L, 1L);
        assertThat(p.outermost()).isEqualTo(4711);
        assertThat(p.innermost()).isEqualTo(1);
        assertThat(p.depth()).isEqualTo(2);
    }

    @Test
    void aKernelWithoutNspidIsReported() {
        assertThatThrownBy(() -> NestedPids.parse("/proc/1/status", "Name:\tinit\n"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("/proc/1/status");
    }

    @Test
    void thisProcessIsVisibleInItsOwnNamespace() throws Exception {
        NestedPids self = NestedPids.of(ProcessHandle.current().pid());
        assertThat(self.outermost()).isEqualTo(ProcessHandle.current().pid());
    }
}
