package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdMapperTest {

    private static final Caller ALICE = Caller.unprivileged("alice", 1000, 1000);
    private static final Caller ROOT = new Caller("root", 0, 0, true, true, true);
    private static final SubordinateIds SUBUID = SubordinateIds.parse("/etc/subuid", "alice:100000:65536\n");
    private static final SubordinateIds SUBGID = SubordinateIds.parse("/etc/subgid", "1000:100000:65536\n");
    private static final SubordinateIds NONE = SubordinateIds.parse("/etc/subuid", "");

    private static IdMappings subordinate(SetGroups setgroups) {
        List<IdMapping> map = List.of(IdMapping.rootAs(1000), new IdMapping(1, 100000, 65536));
        return new IdMappings(map, map, setgroups);
    }

    @Test
    void anUnprivilegedCallerWritesItsOwnIdsDirectlyWithSetgroupsDenied() {
        IdMapper.Plan p = IdMapper.of(ALICE, NONE, NONE).plan(IdMappings.rootless(1000, 1000));
        assertThat(p.uidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
        assertThat(p.gidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
        assertThat(p.writeSetgroups()).isTrue();
    }

    @Test
    void moreThanTheOwnIdGoesThroughTheHelpersWhenSubordinateRangesCoverIt() {
        IdMapper.Plan p = IdMapper.of(ALICE, SUBUID, SUBGID).plan(subordinate(SetGroups.ALLOW));
        assertThat(p.uidWriter()).isEqualTo(IdMapper.Writer.HELPER);
        assertThat(p.gidWriter()).isEqualTo(IdMapper.Writer.HELPER);
        assertThat(p.writeSetgroups()).isFalse();
    }

    @Test
    void rootWritesAnyMapDirectly() {
        IdMapper.Plan p = IdMapper.of(ROOT, NONE, NONE).plan(subordinate(SetGroups.ALLOW));
        assertThat(p.uidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
        assertThat(p.gidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
        assertThat(p.writeSetgroups()).isFalse();
        assertThat(IdMapper.of(ROOT, NONE, NONE).plan(subordinate(SetGroups.DENY)).writeSetgroups()).isTrue();
    }

    @Test
    void aRangeTheCallerDoesNotOwnIsNamedWithTheLineToAdd() {
        IdMappings m = new IdMappings(List.of(IdMapping.rootAs(1000), new IdMapping(1, 200000, 10)),
                List.of(IdMapping.rootAs(1000)), SetGroups.DENY);
        assertThatThrownBy(() -> IdMapper.of(ALICE, SUBUID, SUBGID).plan(m))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("uidMappings[1]")
                .hasMessageContaining("200000..200009")
                .hasMessageContaining("alice:100000:65536")
                .hasMessageContaining("usermod --add-subuids 200000-200009 alice");
    }

    @Test
    void someoneElsesSingleIdIsNotOwned() {
        IdMappings m = new IdMappings(List.of(IdMapping.rootAs(0)), List.of(IdMapping.rootAs(1000)), SetGroups.DENY);
        assertThatThrownBy(() -> IdMapper.of(ALICE, NONE, NONE).plan(m))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("uidMappings[0]")
                .hasMessageContaining("no range");
    }

    @Test
    void theOwnGidWithSetgroupsAllowedNeedsCapSetgidOrASubgidEntry() {
        IdMappings m = IdMappings.rootless(1000, 1000).setgroups(SetGroups.ALLOW);
        assertThatThrownBy(() -> IdMapper.of(ALICE, NONE, NONE).plan(m))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("setgroups = ALLOW")
                .hasMessageContaining("SetGroups.DENY");
    }

    @Test
    void subordinateGidsWithSetgroupsDeniedContradictNewgidmap() {
        assertThatThrownBy(() -> IdMapper.of(ALICE, SUBUID, SUBGID).plan(subordinate(SetGroups.DENY)))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("newgidmap")
                .hasMessageContaining("SetGroups.ALLOW");
    }

    @Test
    void helperCommandLinesAreThePidThenOneTriplePerLine() {
        IdMapper mapper = IdMapper.of(ALICE, SUBUID, SUBGID);
        IdMappings m = subordinate(SetGroups.ALLOW);
        assertThat(mapper.newuidmapCommand(4242, m.uids()))
                .containsExactly("/usr/bin/newuidmap", "4242", "0", "1000", "1", "1", "100000", "65536");
        assertThat(mapper.newgidmapCommand(4242, m.gids()))
                .containsExactly("/usr/bin/newgidmap", "4242", "0", "1000", "1", "1", "100000", "65536");
    }

    @Test
    void aMissingHelperIsReportedWithThePackageToInstall(@TempDir Path dir) {
        IdMapper mapper = IdMapper.of(ALICE, SUBUID, SUBGID)
                .helpers(dir.resolve("newuidmap"), dir.resolve("newgidmap"));
        assertThatThrownBy(() -> mapper.apply(ProcessHandle.current().pid(), subordinate(SetGroups.ALLOW)))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("newuidmap")
                .hasMessageContaining("uidmap");
    }

    @Test
    void theSetgroupsPolicyForAnUnspecifiedConfigIsOneTheKernelOrNewgidmapWillAccept() {
        List<IdMapping> own = List.of(IdMapping.rootAs(1000));
        List<IdMapping> wide = List.of(IdMapping.rootAs(1000), new IdMapping(1, 100000, 65536));
        assertThat(IdMapper.of(ALICE, SUBUID, SUBGID).setgroupsFor(own)).isEqualTo(SetGroups.DENY);
        assertThat(IdMapper.of(ALICE, SUBUID, SUBGID).setgroupsFor(wide)).isEqualTo(SetGroups.ALLOW);
        assertThat(IdMapper.of(ROOT, NONE, NONE).setgroupsFor(own)).isEqualTo(SetGroups.ALLOW);
        IdMapper alice = IdMapper.of(ALICE, SUBUID, SUBGID);
        assertThat(alice.plan(new IdMappings(wide, wide, alice.setgroupsFor(wide))).gidWriter())
                .isEqualTo(IdMapper.Writer.HELPER);
        assertThat(alice.plan(new IdMappings(own, own, alice.setgroupsFor(own))).gidWriter())
                .isEqualTo(IdMapper.Writer.DIRECT);
    }
}
