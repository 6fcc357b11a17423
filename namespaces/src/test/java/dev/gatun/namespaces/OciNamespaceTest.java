package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciNamespaceTest {

    @Test
    void entriesWithoutPathCreateWithPathJoinAndAbsentTypesAreShared() {
        Namespaces ns = OciNamespace.toBuilder(List.of(
                        new OciNamespace("pid", null),
                        new OciNamespace("network", "/run/netns/blue"),
                        new OciNamespace("mount", "")))
                .build();
        assertThat(ns.created()).containsExactlyInAnyOrder(NamespaceType.PID, NamespaceType.MOUNT);
        assertThat(ns.joined()).containsEntry(NamespaceType.NETWORK, Path.of("/run/netns/blue"));
        assertThat(ns.mode(NamespaceType.UTS)).isInstanceOf(NamespaceMode.Share.class);
    }

    @Test
    void aValueBecomesEntriesInTheSpecsOrderAndBack() {
        Namespaces ns = Namespaces.builder()
                .create(NamespaceType.MOUNT, NamespaceType.PID, NamespaceType.USER)
                .join(NamespaceType.NETWORK, 12)
                .idMappings(IdMappings.rootless(0, 0))
                .build();
        List<OciNamespace> entries = OciNamespace.listOf(ns);
        assertThat(entries).containsExactly(
                new OciNamespace("pid", null),
                new OciNamespace("network", "/proc/12/ns/net"),
                new OciNamespace("mount", null),
                new OciNamespace("user", null));
        assertThat(OciNamespace.toBuilder(entries).idMappings(IdMappings.rootless(0, 0)).build()).isEqualTo(ns);
    }

    @Test
    void anUnknownTypeIsNamedByItsJsonPath() {
        assertThatThrownBy(() -> OciNamespace.toBuilder(List.of(
                        new OciNamespace("pid", null), new OciNamespace("net", null))))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageStartingWith("linux.namespaces[1].type = net:")
                .hasMessageContaining("network");
    }

    @Test
    void aTypeListedTwiceIsRejected() {
        assertThatThrownBy(() -> OciNamespace.toBuilder(List.of(
                        new OciNamespace("uts", null), new OciNamespace("ipc", null),
                        new OciNamespace("uts", "/proc/1/ns/uts"))))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("linux.namespaces[2].type")
                .hasMessageContaining("also linux.namespaces[0]");
    }

    @Test
    void aRelativePathIsRejected() {
        assertThatThrownBy(() -> OciNamespace.toBuilder(List.of(new OciNamespace("network", "netns/x"))))
                .hasMessageContaining("linux.namespaces[0].path = netns/x");
    }
}
