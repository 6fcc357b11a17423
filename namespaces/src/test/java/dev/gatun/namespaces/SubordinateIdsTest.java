package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubordinateIdsTest {

    @TempDir
    Path dir;

    @Test
    void entriesAreFoundByNameAndByUid() throws Exception {
        Path f = Files.writeString(dir.resolve("subuid"), """
                # comment
                alice:100000:65536
                1001:165536:65536

                bob:231072:65536
                """);
        SubordinateIds ids = SubordinateIds.read(f);
        assertThat(ids.rangesOf("alice", 1000)).containsExactly(new SubordinateIds.Range("alice", 100000, 65536));
        assertThat(ids.rangesOf("carol", 1001)).containsExactly(new SubordinateIds.Range("1001", 165536, 65536));
        assertThat(ids.rangesOf("nobody", 65534)).isEmpty();
        assertThat(ids.malformed()).isEmpty();
        assertThat(ids.source()).isEqualTo(f.toString());
    }

    @Test
    void aUserWithBothFormsHasBothRanges() {
        SubordinateIds ids = SubordinateIds.parse("subuid", "alice:100000:10\n1000:300000:10\n");
        assertThat(ids.rangesOf("alice", 1000)).hasSize(2);
    }

    @Test
    void malformedLinesAreKeptAsidePerLineNumberAndDoNotHideOthers() {
        SubordinateIds ids = SubordinateIds.parse("subuid", "alice:x:10\nbob:1:0\ncarol:5\ndave:200000:65536\n");
        assertThat(ids.malformed()).containsExactly("1: alice:x:10", "2: bob:1:0", "3: carol:5");
        assertThat(ids.firstRangeOf("dave", 7)).hasValue(new SubordinateIds.Range("dave", 200000, 65536));
    }

    @Test
    void aMissingFileHasNoRanges() throws Exception {
        assertThat(SubordinateIds.read(dir.resolve("absent")).ranges()).isEmpty();
    }

    @Test
    void coverageMaySpanAdjacentLinesButNotGaps() {
        SubordinateIds ids = SubordinateIds.parse("subuid", "alice:100000:100\n1000:100100:100\nalice:100300:10\n");
        assertThat(ids.covers("alice", 1000, 100000, 200)).isTrue();
        assertThat(ids.covers("alice", 1000, 100050, 100)).isTrue();
        assertThat(ids.covers("alice", 1000, 100000, 201)).isFalse();
        assertThat(ids.covers("alice", 1000, 99999, 2)).isFalse();
        assertThat(ids.covers("bob", 1001, 100000, 1)).isFalse();
    }

    @Test
    void rootlessWithSubordinatesMapsRootToTheCallerAndTheRestToTheFirstRange() {
        Caller alice = Caller.unprivileged("alice", 1000, 1000);
        IdMappings m = IdMappings.rootlessWithSubordinates(alice,
                SubordinateIds.parse("/etc/subuid", "alice:100000:65536\n"),
                SubordinateIds.parse("/etc/subgid", "1000:200000:65536\n"));
        assertThat(m.uidMapText()).isEqualTo("0 1000 1\n1 100000 65536\n");
        assertThat(m.gidMapText()).isEqualTo("0 1000 1\n1 200000 65536\n");
        assertThat(m.setgroups()).isEqualTo(SetGroups.ALLOW);
    }

    @Test
    void rootlessWithSubordinatesWithoutAnEntrySaysWhatToAdd() {
        Caller alice = Caller.unprivileged("alice", 1000, 1000);
        assertThatThrownBy(() -> IdMappings.rootlessWithSubordinates(alice,
                        SubordinateIds.parse("/etc/subuid", "bob:100000:65536\n"),
                        SubordinateIds.parse("/etc/subgid", "alice:100000:65536\n")))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("/etc/subuid")
                .hasMessageContaining("alice")
                .hasMessageContaining("usermod --add-subuids");
    }
}
