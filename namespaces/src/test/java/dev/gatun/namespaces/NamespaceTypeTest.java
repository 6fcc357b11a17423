package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NamespaceTypeTest {

    @Test
    void everyTypeRoundTripsThroughItsOciAndProcNames() {
        for (NamespaceType t : NamespaceType.values()) {
            assertThat(NamespaceType.ofOciName(t.ociName())).isEqualTo(t);
            assertThat(NamespaceType.ofProcName(t.procName())).isEqualTo(t);
        }
    }

    @Test
    void ociAndProcNamesDifferForMountAndNetwork() {
        assertThat(NamespaceType.MOUNT.ociName()).isEqualTo("mount");
        assertThat(NamespaceType.MOUNT.procName()).isEqualTo("mnt");
        assertThat(NamespaceType.NETWORK.ociName()).isEqualTo("network");
        assertThat(NamespaceType.NETWORK.procName()).isEqualTo("net");
    }

    @Test
    void cloneFlagsAreTheKernelsAndDistinct() {
        assertThat(NamespaceType.NETWORK.cloneFlag()).isEqualTo(0x40000000L);
        assertThat(NamespaceType.TIME.cloneFlag()).isEqualTo(0x80L);
        long all = 0;
        for (NamespaceType t : NamespaceType.values()) {
            assertThat(all & t.cloneFlag()).isZero();
            all |= t.cloneFlag();
        }
    }

    @Test
    void procPathNamesTheProcessesNsFile() {
        assertThat(NamespaceType.NETWORK.procPath(42)).isEqualTo(Path.of("/proc/42/ns/net"));
    }

    @Test
    void unknownOciNameIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> NamespaceType.ofOciName("net"))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("net")
                .hasMessageContaining("network");
    }
}
