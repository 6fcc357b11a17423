package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallerTest {

    @Test
    void effectiveIdsAndCapabilitiesComeFromTheStatusFile() {
        Caller c = Caller.parseStatus("alice", """
                Name:\tjava
                Uid:\t1000\t1001\t1000\t1000
                Gid:\t100\t100\t100\t100
                CapEff:\t00000000000000c0
                """);
        assertThat(c.uid()).isEqualTo(1001);
        assertThat(c.gid()).isEqualTo(100);
        assertThat(c.capSetuid()).isTrue();
        assertThat(c.capSetgid()).isTrue();
        assertThat(c.capSysAdmin()).isFalse();
    }

    @Test
    void rootWithAllCapabilitiesHasThemAll() {
        Caller c = Caller.parseStatus("root", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n");
        assertThat(c.capSetuid() && c.capSetgid() && c.capSysAdmin()).isTrue();
    }
}
