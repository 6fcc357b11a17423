package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generated /etc files' contents, as podman writes them; no privileges. */
class EtcFilesTest {

    @Test
    void hostsKeepsTheBaseEntriesThenAddsLocalhostAndTheHostnameOnlyWhereNoLineHasThem() {
        String base = "# comment\n127.0.0.1 localhost\n10.0.0.1   db db.local # the database\n192.0.2.1\n";
        // a name is added only when no line has it, whatever the address (podman's rule): no ::1 localhost here
        assertThat(EtcFiles.hosts(base, "web", "abc123", true)).isEqualTo(
                "127.0.0.1\tlocalhost\n10.0.0.1\tdb db.local\n127.0.0.1\tweb abc123\n");
        assertThat(EtcFiles.hosts("", "web", "web", true)).isEqualTo(
                "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tweb\n");
        // the host's own entry for the name wins; host and joined networks get no loopback line for it
        assertThat(EtcFiles.hosts("10.1.1.1 web\n", "web", "x", true)).isEqualTo(
                "10.1.1.1\tweb\n127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tx\n");
        assertThat(EtcFiles.hosts("", "web", "x", false)).isEqualTo("127.0.0.1\tlocalhost\n::1\tlocalhost\n");
    }

    @Test
    void resolvConfDropsLoopbackServersOutsideTheHostsNetworkAndFallsBackToPodmansDefaults() {
        String host = "search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n";
        assertThat(EtcFiles.resolvConf(host, false)).isEqualTo("search example.org\nnameserver 10.0.0.2\noptions edns0\n");
        assertThat(EtcFiles.resolvConf(host, true)).isEqualTo(host);
        assertThat(EtcFiles.resolvConf("nameserver 127.0.0.1\nnameserver ::1\n", false))
                .isEqualTo("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        assertThat(EtcFiles.resolvConf("", true)).isEqualTo("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }

    @Test
    void theBindsComeLastAndLeaveOutWhatTheCallerMounts() {
        Spec spec = Container.builder().command("/bin/true").toSpec();
        Path dir = Path.of("/run/gatun/x");
        Spec with = new EtcFiles("web", "x", NetworkMode.none(), Set.of("/etc/resolv.conf"), true, false).addTo(spec, dir);
        List<Mount> added = with.mounts().subList(spec.mounts().size(), with.mounts().size());
        assertThat(added).extracting(Mount::destination).containsExactly("/etc/hosts", "/etc/hostname");
        assertThat(added.getFirst().source()).isEqualTo("/run/gatun/x/hosts");
        assertThat(added.getFirst().options()).contains("ro", "nosuid", "nodev", "noexec");
        assertThat(new EtcFiles("web", "x", NetworkMode.none(), Set.of("/etc"), false, false).addTo(spec, dir)).isEqualTo(spec);
    }
}
