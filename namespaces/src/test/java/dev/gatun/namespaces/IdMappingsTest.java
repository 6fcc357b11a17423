package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdMappingsTest {

    @Test
    void rootlessDefaultMapsTheCallerToRootWithOneRangeAndDeniesSetgroups() {
        IdMappings m = IdMappings.rootless(1000, 1001);
        assertThat(m.uidMapText()).isEqualTo("0 1000 1\n");
        assertThat(m.gidMapText()).isEqualTo("0 1001 1\n");
        assertThat(m.setgroups()).isEqualTo(SetGroups.DENY);
        assertThat(m.hostRootUid()).hasValue(1000);
    }

    @Test
    void severalRangesBecomeOneLineEach() {
        IdMappings m = new IdMappings(
                List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 100000, 65536)),
                List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 100000, 65536)),
                SetGroups.ALLOW);
        assertThat(m.uidMapText()).isEqualTo("0 1000 1\n1 100000 65536\n");
        assertThat(SetGroups.ALLOW.word()).isEqualTo("allow");
    }

    @Test
    void overlappingContainerRangesAreRejectedNamingBoth() {
        assertThatThrownBy(() -> new IdMappings(
                        List.of(new IdMapping(0, 1000, 10), new IdMapping(5, 200000, 10)),
                        List.of(IdMapping.rootAs(0)), SetGroups.DENY))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("uidMappings[1]")
                .hasMessageContaining("5..14 -> 200000..200009")
                .hasMessageContaining("container ids")
                .hasMessageContaining("uidMappings[0]");
    }

    @Test
    void overlappingHostRangesAreRejected() {
        assertThatThrownBy(() -> new IdMappings(List.of(IdMapping.rootAs(0)),
                        List.of(new IdMapping(0, 100000, 100), new IdMapping(1000, 100050, 10)), SetGroups.DENY))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("gidMappings[1]")
                .hasMessageContaining("host ids");
    }

    @Test
    void adjacentRangesAreFine() {
        IdMappings m = new IdMappings(List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 1001, 5)),
                List.of(IdMapping.rootAs(0)), SetGroups.DENY);
        assertThat(m.uids()).hasSize(2);
    }

    @Test
    void aRangeReachingPastTheLastIdIsRejected() {
        assertThatThrownBy(() -> new IdMapping(0, 4_294_910_000L, 65536))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("0 4294910000 65536")
                .hasMessageContaining("host ids");
        assertThatThrownBy(() -> new IdMapping(4_294_967_295L, 0, 1))
                .hasMessageContaining("container ids");
        assertThat(new IdMapping(0, 0, 4_294_967_295L).lastHostId()).isEqualTo(IdMapping.MAX_ID);
    }

    @Test
    void emptySizeAndNegativeIdsAreRejected() {
        assertThatThrownBy(() -> new IdMapping(0, 0, 0)).hasMessageContaining("size");
        assertThatThrownBy(() -> new IdMapping(-1, 0, 1)).hasMessageContaining("unsigned");
    }

    @Test
    void anEmptyMapOrTooManyLinesAreRejected() {
        assertThatThrownBy(() -> new IdMappings(List.of(), List.of(IdMapping.rootAs(0)), SetGroups.DENY))
                .hasMessageContaining("uidMappings")
                .hasMessageContaining("at least one");
        List<IdMapping> many = new ArrayList<>();
        for (int i = 0; i < 341; i++) {
            many.add(new IdMapping(i, 1000 + i, 1));
        }
        assertThatThrownBy(() -> new IdMappings(many, List.of(IdMapping.rootAs(0)), SetGroups.DENY))
                .hasMessageContaining("340");
    }
}
